"""What a Task is: it owns the loss, the metrics and how outputs become predictions.

Recipes talk to tasks only through this protocol, so a new task plugs in without touching them.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from torch.utils.data import Dataset

from polymodal.data.batch import Batch
from polymodal.models.multimodal import ModelOutput


class Metric(Protocol):
    """Accumulates over batches; :meth:`compute` returns name → value."""

    def update(self, predictions: list[Any], batch: Batch) -> None: ...

    def compute(self) -> dict[str, float]: ...

    def reset(self) -> None: ...


class Task(Protocol):
    """The contract between a recipe and a task."""

    head: str
    """Name of the model head whose logits this task reads."""

    record_fields: tuple[str, ...]
    """Sample fields copied next to each prediction in ``eval/<split>.json``."""

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        """Learns what the task needs from the training split (e.g. the answer vocabulary)."""

    def meta(self) -> dict[str, int]:
        """Sizes the model config needs, e.g. ``{"num_answers": 13}``."""

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        """Fields to add to one sample for training, e.g. ``{"target": tensor}``."""

    def loss(self, output: ModelOutput, batch: Batch) -> torch.Tensor:
        """Scalar training loss for one batch."""

    def decode(self, output: ModelOutput, top_k: int = 1) -> list[Any]:
        """Predictions, one per sample; with ``top_k > 1``, lists of (label, probability)."""

    def metrics(self) -> Metric:
        """A fresh metric accumulator."""

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`fit` learned, as JSON-serialisable data (saved with the run)."""

    def load_state_dict(self, state: dict[str, Any]) -> None: ...
