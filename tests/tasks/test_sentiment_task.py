"""Sentiment regression: targets, losses, decoding and MMSA's metrics from batches."""

from __future__ import annotations

import pytest
import torch

from polymodal.data.batch import Batch
from polymodal.fusion.output import FusionOutput
from polymodal.metrics.sentiment import sentiment_metrics
from polymodal.models.multimodal import ModelOutput
from polymodal.tasks.sentiment import SentimentRegressionTask


def output(values: list[float]) -> ModelOutput:
    logits = torch.tensor(values)[:, None]
    return ModelOutput(logits={"sentiment": logits}, fused=FusionOutput(logits), encoded={})


def test_targets_losses_and_decoding() -> None:
    task = SentimentRegressionTask()
    assert task.targets({"label": 1.5})["target"].item() == 1.5
    batch = Batch(target=torch.tensor([1.0, -2.0]))
    assert task.loss(output([0.0, -1.0]), batch).item() == pytest.approx(1.0)
    mse = SentimentRegressionTask(loss="mse")
    assert mse.loss(output([0.0, -1.0]), batch).item() == pytest.approx(1.0)
    assert mse.loss(output([3.0, -2.0]), batch).item() == pytest.approx(2.0)
    assert task.decode(output([4.2, -0.5])) == [3.0, -0.5]


def test_metrics_are_the_mmsa_ones() -> None:
    task = SentimentRegressionTask()
    metric = task.metrics()
    predictions, labels = [0.5, -1.0, 2.0, -0.2], [1.0, -1.5, -0.4, 0.0]
    metric.update(predictions[:2], Batch(label=labels[:2]))
    metric.update(predictions[2:], Batch(label=labels[2:]))
    results = metric.compute()
    assert results == pytest.approx(sentiment_metrics(predictions, labels), nan_ok=True)
    assert results["acc2_has0"] == 50.0 and results["mae"] == pytest.approx(0.9)


def test_bad_labels_and_heads_are_named() -> None:
    task = SentimentRegressionTask()
    with pytest.raises(ValueError, match="label='positive' is not a finite number"):
        task.targets({"id": 3, "label": "positive"})
    with pytest.raises(ValueError, match="not a finite number"):
        task.targets({"label": float("nan")})
    logits = torch.zeros(2, 3)
    bad = ModelOutput(logits={"sentiment": logits}, fused=FusionOutput(logits), encoded={})
    with pytest.raises(ValueError, match=r"must give \(B, 1\) intensities, got \(2, 3\)"):
        task.decode(bad)
    with pytest.raises(ValueError, match="loss must be one of"):
        SentimentRegressionTask(loss="huber")


def test_synthetic_sentiment_config_trains_and_reports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from polymodal.config import load_config
    from polymodal.recipes.train import train

    config = load_config(
        "synthetic_sentiment",
        [
            f"output_dir={tmp_path}",
            "+data.train.size=64",
            "+data.val.size=32",
            "+data.test.size=32",
            "training.epochs=2",
            "model.fusion.dim=8",
            "model.heads.sentiment.input_dim=8",
        ],
    )
    result = train(config)
    metrics = result.metrics["test"]
    assert set(metrics) >= {"acc2_has0", "f1_non0", "mae", "corr", "acc7"}
    assert 0.0 <= metrics["mae"] <= 6.0
    assert (result.run_dir / "report.html").is_file()
