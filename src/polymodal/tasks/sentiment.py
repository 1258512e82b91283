"""Sentiment intensity regression (CMU-MOSI / MOSEI and the synthetic MOSI-shaped set)."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from polymodal.data.batch import Batch
from polymodal.metrics.sentiment import SentimentMetrics
from polymodal.models.multimodal import ModelOutput

LOSSES = ("l1", "mse")


class SentimentBatchMetrics:
    """:class:`~polymodal.metrics.sentiment.SentimentMetrics` fed from batches: predictions
    are the decoded intensities, labels the batch's ``label_field``."""

    def __init__(self, label_field: str) -> None:
        self.label_field = label_field
        self.metrics = SentimentMetrics()

    def update(self, predictions: list[Any], batch: Batch) -> None:
        labels = batch[self.label_field]
        if isinstance(labels, torch.Tensor):
            labels = labels.tolist()
        self.metrics.update([float(p) for p in predictions], [float(v) for v in labels])

    def compute(self) -> dict[str, float]:
        return self.metrics.compute()

    def reset(self) -> None:
        self.metrics.reset()


class SentimentRegressionTask:
    """One sentiment intensity per sample, regressed by a head with one output.

    Args:
        head: the model head giving (B, 1) intensities.
        label_field: sample field holding the intensity (a number).
        loss: ``"l1"`` (mean absolute error, MMSA's regression loss) or ``"mse"``.
        clip: predictions are clipped to [-clip, clip] when decoded (MOSI's range is 3).

    Metrics: MMSA's conventions (:func:`polymodal.metrics.sentiment.sentiment_metrics`):
    ``acc2_has0``, ``f1_has0``, ``acc2_non0``, ``f1_non0``, ``acc5``, ``acc7``, ``mae``,
    ``corr``.
    """

    record_fields: tuple[str, ...] = ()

    def __init__(
        self,
        head: str = "sentiment",
        label_field: str = "label",
        loss: str = "l1",
        clip: float = 3.0,
    ) -> None:
        if loss not in LOSSES:
            raise ValueError(f"SentimentRegressionTask loss must be one of {LOSSES}, got {loss!r}")
        if clip <= 0:
            raise ValueError(f"clip must be positive, got {clip}")
        self.head = head
        self.label_field = label_field
        self.loss_kind = loss
        self.clip = clip
        self.record_fields = (label_field,)

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        """Nothing to learn from the data: the output is one number."""

    def meta(self) -> dict[str, int]:
        return {}

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        value = sample.get(self.label_field)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(
                f"sample {sample.get('id', '?')}: {self.label_field}={value!r} is not a finite "
                "number (a sentiment intensity)"
            )
        return {"target": torch.tensor(float(value), dtype=torch.float32)}

    def _outputs(self, output: ModelOutput) -> torch.Tensor:
        logits = output.logits[self.head]
        if logits.dim() != 2 or logits.shape[1] != 1:
            raise ValueError(
                f"head {self.head!r} must give (B, 1) intensities, got {tuple(logits.shape)}"
            )
        return logits[:, 0].float()

    def loss(self, output: ModelOutput, batch: Batch) -> torch.Tensor:
        predicted, target = self._outputs(output), batch["target"]
        if self.loss_kind == "l1":
            return F.l1_loss(predicted, target)
        return F.mse_loss(predicted, target)

    def decode(self, output: ModelOutput, top_k: int = 1) -> list[Any]:
        """Intensities clipped to [-clip, clip] (``top_k`` does not apply to regression)."""
        return self._outputs(output).clamp(-self.clip, self.clip).tolist()

    def metrics(self) -> SentimentBatchMetrics:
        return SentimentBatchMetrics(self.label_field)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing to restore."""
