"""Which task each training batch comes from, when tasks' datasets differ in size.

A task sampler is built from the ``task_sampling:`` config component; the recipe passes it
``sizes`` (task name → training samples, in config order) and ``seed``. Its ``n``-th draw is a
fixed function of (seed, n), so the only state a checkpoint needs is the number of draws made:
a resumed run continues the exact sequence.

- :class:`RoundRobin` — the tasks in turn, whatever their sizes.
- :func:`proportional` — p(task) ∝ n, every sample equally likely (small tasks starve).
- :func:`temperature` — p ∝ n^(1/T): T = 1 is proportional, T → ∞ uniform; T ≈ 2–5 is the
  usual compromise between the two (as in multilingual and multi-task NLP).
- :func:`fixed_ratios` — p ∝ a ratio given per task.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import torch

from polymodal.data.pipeline import seeded_generator
from polymodal.errors import ConfigError

_BLOCK = 4096  # draws generated at once; the block index seeds them, so any draw is reachable


class TaskSampler(Protocol):
    """Draws task names; its position is saved with the run."""

    tasks: list[str]

    def task_at(self, draw: int) -> str:
        """The task of draw number ``draw`` (0-based): a pure function of the seed."""

    def next(self) -> str:
        """The next task; advances the position."""

    def shares(self) -> dict[str, float]:
        """The expected fraction of draws per task."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def _check_sizes(sizes: Mapping[str, int]) -> list[str]:
    if not sizes:
        raise ConfigError("task_sampling: there are no tasks to sample from")
    empty = [name for name, size in sizes.items() if size <= 0]
    if empty:
        raise ConfigError(f"task_sampling: the training data of task(s) {empty} is empty")
    return list(sizes)


class RoundRobin:
    """Each task in turn, in config order: draw ``n`` is task ``n mod T``.

    Args:
        sizes: task name → training samples (only the names are used).
        seed: unused (round-robin draws nothing at random); accepted like every sampler.
    """

    def __init__(self, sizes: Mapping[str, int], seed: int = 0) -> None:
        self.tasks = _check_sizes(sizes)
        self.draws = 0

    def task_at(self, draw: int) -> str:
        return self.tasks[draw % len(self.tasks)]

    def next(self) -> str:
        task = self.task_at(self.draws)
        self.draws += 1
        return task

    def shares(self) -> dict[str, float]:
        return {name: 1.0 / len(self.tasks) for name in self.tasks}

    def state_dict(self) -> dict[str, Any]:
        return {"draws": self.draws}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.draws = int(state["draws"])


class CategoricalTaskSampler:
    """Independent draws from fixed task probabilities.

    Draws come in blocks of 4,096, each block from a generator seeded by (seed, block index);
    so draw ``n`` depends only on (seed, n), and restoring the number of draws made restores
    the sequence exactly.

    Args:
        probabilities: task name → weight (normalised here; need not sum to 1).
        seed: the run's seed.
    """

    def __init__(self, probabilities: Mapping[str, float], seed: int = 0) -> None:
        self.tasks = list(probabilities)
        weights = torch.tensor([float(probabilities[t]) for t in self.tasks], dtype=torch.float64)
        if not self.tasks or not torch.isfinite(weights).all() or (weights < 0).any():
            raise ConfigError(f"task_sampling: invalid task weights {dict(probabilities)}")
        if weights.sum() <= 0:
            raise ConfigError(f"task_sampling: the task weights {dict(probabilities)} sum to 0")
        self.probabilities = weights / weights.sum()
        self.cumulative = self.probabilities.cumsum(0)
        self.seed = seed
        self.draws = 0
        self._block: tuple[int, list[int]] | None = None

    def _block_tasks(self, block: int) -> list[int]:
        if self._block is None or self._block[0] != block:
            uniform = torch.rand(
                _BLOCK, generator=seeded_generator(self.seed, block), dtype=torch.float64
            )
            indices = torch.searchsorted(self.cumulative, uniform, right=True)
            # Rounding can leave the last cumulative value a hair below 1.
            self._block = (block, indices.clamp(max=len(self.tasks) - 1).tolist())
        return self._block[1]

    def task_at(self, draw: int) -> str:
        block, offset = divmod(draw, _BLOCK)
        return self.tasks[self._block_tasks(block)[offset]]

    def next(self) -> str:
        task = self.task_at(self.draws)
        self.draws += 1
        return task

    def shares(self) -> dict[str, float]:
        return dict(zip(self.tasks, self.probabilities.tolist(), strict=True))

    def state_dict(self) -> dict[str, Any]:
        return {"draws": self.draws}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.draws = int(state["draws"])


def temperature(
    sizes: Mapping[str, int], seed: int = 0, temperature: float = 2.0
) -> CategoricalTaskSampler:
    """p(task) ∝ n^(1/T), with n the task's training samples.

    Args:
        sizes: task name → training samples.
        seed: the run's seed.
        temperature: T ≥ 1 flattens the size distribution (T = 1: proportional; large T:
            uniform); 0 < T < 1 sharpens it.
    """
    if not temperature > 0 or math.isinf(temperature):
        raise ConfigError(f"task_sampling.temperature must be > 0 and finite, got {temperature}")
    tasks = _check_sizes(sizes)
    largest = max(sizes.values())
    # Sizes relative to the largest keep n^(1/T) in range for small T.
    return CategoricalTaskSampler(
        {name: (sizes[name] / largest) ** (1.0 / temperature) for name in tasks}, seed
    )


def proportional(sizes: Mapping[str, int], seed: int = 0) -> CategoricalTaskSampler:
    """p(task) ∝ n: every training sample of every task is equally likely to come next."""
    return temperature(sizes, seed, 1.0)


def fixed_ratios(
    sizes: Mapping[str, int], seed: int = 0, ratios: Mapping[str, float] | None = None
) -> CategoricalTaskSampler:
    """p(task) ∝ the ratio configured for it, e.g. ``{vqa: 2, shape: 1, color: 1}``.

    Args:
        sizes: task name → training samples (the names must match ``ratios``).
        seed: the run's seed.
        ratios: task name → non-negative ratio, one per task.
    """
    tasks = _check_sizes(sizes)
    ratios = dict(ratios or {})
    missing = [name for name in tasks if name not in ratios]
    unknown = [name for name in ratios if name not in sizes]
    if missing or unknown:
        raise ConfigError(
            f"task_sampling.ratios must give one ratio per task {tasks}: "
            f"missing {missing}, unknown {unknown}"
        )
    return CategoricalTaskSampler({name: float(ratios[name]) for name in tasks}, seed)
