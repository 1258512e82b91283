"""One task's training batches, without end, from a position that can be saved and restored."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

from polymodal.data.batch import Batch
from polymodal.data.pipeline import TransformedDataset
from polymodal.recipes import components
from polymodal.recipes.settings import DataSettings
from polymodal.training.sampling import ResumableSampler


class TaskStream:
    """Pass after pass over a task's training data, each pass shuffled by (seed, pass).

    The position is (pass, batch within the pass): restoring it rebuilds the loader at that
    point of that pass's order, so a resumed run draws exactly the batches an uninterrupted
    one would. Tasks advance independently — a small task makes many passes while a large
    one makes few — because the task sampler, not the data, decides what comes next.

    Args:
        dataset: the task's prepared training data (transforms and targets applied).
        settings: batch size, workers, sharing.
        seed: the task's seed (:func:`~polymodal.recipes.multitask_components.task_seed`).
        groups: one key per sample whose equal values stay together (``data.group_by``).
    """

    def __init__(
        self,
        dataset: TransformedDataset,
        settings: DataSettings,
        seed: int,
        groups: Sequence[Hashable] | None = None,
    ) -> None:
        self.dataset = dataset
        self.settings = settings
        self.seed = seed
        self.sampler = ResumableSampler(
            len(dataset),
            seed,
            groups=groups,
            group_size=settings.group_size if groups else None,
        )
        self.batch_count = math.ceil(len(dataset) / settings.batch_size)
        self.passes = 0
        self.batch = 0
        self._batches: Iterator[Batch] | None = None

    def next_batch(self) -> Batch:
        """The next training batch (collated, on the CPU)."""
        if self.batch >= self.batch_count:
            self.passes, self.batch, self._batches = self.passes + 1, 0, None
        if self._batches is None:
            self.sampler.set_position(self.passes, self.batch * self.settings.batch_size)
            self.dataset.set_epoch(self.passes)
            loader = components.make_loader(
                self.dataset,
                self.settings,
                train=True,
                sampler=self.sampler,
                seed=self.seed * 1_000_003 + self.passes,
            )
            self._batches = iter(loader)
        batch = next(self._batches)
        self.batch += 1
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"passes": self.passes, "batch": self.batch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.passes, self.batch = int(state["passes"]), int(state["batch"])
        self._batches = None
