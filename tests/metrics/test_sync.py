"""Metrics combined across processes with torch.distributed equal the single-process result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

from polymodal.metrics import (
    ClassificationMetrics,
    Metric,
    RetrievalMetrics,
    SentimentMetrics,
    VQAAccuracy,
    sync,
)
from polymodal.metrics.captioning import CaptionMetrics

PREDICTIONS = np.linspace(-3, 3, 20)
LABELS = np.round(np.linspace(3, -3, 20) * 2) / 2


def _classification(rank: int, world: int) -> ClassificationMetrics:
    rng = np.random.default_rng(0)
    scores, targets = rng.normal(size=(40, 4)), rng.integers(0, 4, size=40)
    metric = ClassificationMetrics(4, top_k=(2,))
    metric.update(scores[rank::world], targets[rank::world])
    return metric


def _sentiment(rank: int, world: int) -> SentimentMetrics:
    metric = SentimentMetrics()
    metric.update(PREDICTIONS[rank::world], LABELS[rank::world])
    return metric


def _vqa(rank: int, world: int) -> VQAAccuracy:
    metric = VQAAccuracy()
    answers = [["red"] * (i % 5) + ["blue"] * (10 - i % 5) for i in range(10)]
    ids = list(range(10))[rank::world]
    metric.update(["red"] * len(ids), [answers[i] for i in ids], ids, ["other"] * len(ids))
    return metric


BUILDERS = (_classification, _sentiment, _vqa)


def _worker(rank: int, world: int, store: str, results: Any) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        for build in BUILDERS:
            metric = build(rank, world)
            sync(metric)
            results[(rank, build.__name__)] = metric.compute()
    finally:
        dist.destroy_process_group()


def test_every_metric_follows_the_protocol() -> None:
    for metric in (*(build(0, 1) for build in BUILDERS), RetrievalMetrics(), CaptionMetrics()):
        assert isinstance(metric, Metric)


def test_sync_without_a_process_group_changes_nothing() -> None:
    metric = _sentiment(0, 1)
    before = metric.compute()
    sync(metric)
    assert metric.compute() == before


def test_sync_in_a_one_process_group(tmp_path: Path) -> None:
    # Runs the all_gather_object path in-process; the two-process test below is slow.
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        metric = _vqa(0, 1)
        before = metric.compute()
        sync(metric)
        assert metric.compute() == before
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_sync_across_two_processes(tmp_path: Path) -> None:
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_worker, args=(2, str(tmp_path / "store"), results), nprocs=2, join=True)
    for build in BUILDERS:
        whole = build(0, 1).compute()
        for rank in range(2):
            assert results[(rank, build.__name__)] == pytest.approx(whole), build.__name__
