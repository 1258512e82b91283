"""Mean per-sample score, overall and within groups (question type, answer type, class)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from polymodal.data.batch import Batch


class GroupedAccuracy:
    """Accumulates a per-sample score in [0, 1] and reports its mean ×100.

    Args:
        score: (prediction, batch, row) → the sample's score.
        group_fields: batch fields whose values split the samples into groups; each group's
            mean is reported as ``accuracy/<field>/<value>``.
        name: the overall metric's name.
    """

    def __init__(
        self,
        score: Callable[[Any, Batch, int], float],
        group_fields: Sequence[str] = (),
        name: str = "accuracy",
    ) -> None:
        self.score = score
        self.group_fields = tuple(group_fields)
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0
        self.groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])

    def update(self, predictions: list[Any], batch: Batch) -> None:
        for row, prediction in enumerate(predictions):
            value = float(self.score(prediction, batch, row))
            self.total += value
            self.count += 1
            for field in self.group_fields:
                if field in batch:
                    group = self.groups[f"{self.name}/{field}/{batch[field][row]}"]
                    group[0] += value
                    group[1] += 1

    def compute(self) -> dict[str, float]:
        if self.count == 0:
            return {}
        results = {self.name: 100.0 * self.total / self.count}
        for key in sorted(self.groups):
            total, count = self.groups[key]
            results[key] = 100.0 * total / count
        return results
