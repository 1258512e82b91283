"""Single-label classification over classes counted on the training split."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from polymodal.data.batch import Batch
from polymodal.data.fields import field_values
from polymodal.metrics.grouped import GroupedAccuracy
from polymodal.models.multimodal import ModelOutput
from polymodal.tasks._decode import decode_labels
from polymodal.tasks.labels import LabelVocabulary


class ClassificationTask:
    """One class per sample, from the field ``label_field``; cross-entropy loss.

    Args:
        head: the model head giving class logits.
        label_field: sample field holding the class (any value; compared as its ``str``).
        classes: the class list in output order; ``None`` counts them on the training split.
        label_smoothing: cross-entropy label smoothing.
        group_fields: sample fields whose values get their own accuracy.

    Metrics: ``accuracy`` ×100, overall, per class (``accuracy/label/<class>``) and per group.
    """

    record_fields: tuple[str, ...] = ()

    def __init__(
        self,
        head: str = "label",
        label_field: str = "label",
        classes: list[str] | None = None,
        label_smoothing: float = 0.0,
        group_fields: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.head = head
        self.label_field = label_field
        self.label_smoothing = label_smoothing
        self.group_fields = tuple(group_fields)
        self.record_fields = (label_field,)
        self.classes = LabelVocabulary(classes or [])

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        if not self.classes:
            labels = (str(v) for v in field_values(dataset, self.label_field))
            self.classes = LabelVocabulary.count(labels)

    def meta(self) -> dict[str, int]:
        return {"num_classes": len(self.classes)}

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        label = str(sample[self.label_field])
        if label not in self.classes:
            raise ValueError(
                f"sample {sample.get('id', '?')}: {self.label_field}={label!r} is not one of "
                f"the {len(self.classes)} classes seen in training"
            )
        return {"target": torch.tensor(self.classes.index[label])}

    def loss(self, output: ModelOutput, batch: Batch) -> torch.Tensor:
        return F.cross_entropy(
            output.logits[self.head].float(), batch["target"], label_smoothing=self.label_smoothing
        )

    def decode(self, output: ModelOutput, top_k: int = 1) -> list[Any]:
        return decode_labels(output.logits[self.head], self.classes, top_k)

    def metrics(self) -> GroupedAccuracy:
        def correct(prediction: str, batch: Batch, row: int) -> float:
            return float(prediction == str(batch[self.label_field][row]))

        return GroupedAccuracy(correct, (self.label_field, *self.group_fields))

    def state_dict(self) -> dict[str, Any]:
        return {"classes": self.classes.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.classes = LabelVocabulary.from_state_dict(state["classes"])
