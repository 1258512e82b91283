"""Seconds-long real training runs on easy-VQA, for the report and explain tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from polymodal.config import load_config
from polymodal.recipes.train import train
from tests.conftest import TINY

CROSS_ATTENTION = [
    "model.fusion._component_=polymodal.fusion.CrossAttentionFusion",
    "+model.fusion.num_layers=1",
    "+model.fusion.dropout=0.0",
]
"""Overrides that swap the default concatenation for question → image cross-attention."""


@contextmanager
def one_thread() -> Iterator[None]:
    """Runs the block with one intra-op thread: a model this small runs several times faster
    without threading, and the test machines share their cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_tiny(output: Path, *overrides: str) -> Path:
    """Trains the default easy-VQA job at the ``TINY`` size; returns the run folder."""
    with one_thread():
        config = load_config("easy_vqa", [*TINY, f"output_dir={output}", *overrides])
        return train(config).run_dir
