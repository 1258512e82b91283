"""A vocabulary of labels (classes or answers), counted on the training split."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


class LabelVocabulary:
    """Labels ordered by training frequency (ties alphabetically), optionally the top ``max_size``.

    Args:
        labels: the labels, most frequent first; use :meth:`count` to build from data.
    """

    def __init__(self, labels: Iterable[str]) -> None:
        self.labels = list(labels)
        self.index = {label: i for i, label in enumerate(self.labels)}
        if len(self.index) != len(self.labels):
            raise ValueError("label vocabulary has duplicate labels")

    @classmethod
    def count(
        cls, occurrences: Iterable[str], max_size: int | None = None, min_count: int = 1
    ) -> LabelVocabulary:
        counts = Counter(occurrences)
        ranked = sorted(
            (lab for lab, c in counts.items() if c >= min_count),
            key=lambda lab: (-counts[lab], lab),
        )
        return cls(ranked[:max_size] if max_size else ranked)

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self.index

    def state_dict(self) -> dict[str, Any]:
        return {"labels": self.labels}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> LabelVocabulary:
        return cls(state["labels"])
