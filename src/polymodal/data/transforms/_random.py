"""Random draws from a given ``torch.Generator`` (never the global random state).

Augmentations are replayed exactly on resume because every draw comes from the generator the
hook passes in. Values are drawn on the generator's device (a CUDA generator cannot fill a CPU
tensor) and then moved to where they are used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def uniform(
    generator: torch.Generator,
    shape: int | Sequence[int],
    low: float,
    high: float,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Uniform float32 values in [low, high), on ``device`` (default: the generator's)."""
    size = (shape,) if isinstance(shape, int) else tuple(shape)
    values = torch.rand(size, generator=generator, device=generator.device)
    values = low + (high - low) * values
    return values if device is None else values.to(device)


def bernoulli(
    generator: torch.Generator, count: int, p: float, device: torch.device | str | None = None
) -> torch.Tensor:
    """(count,) bool: True with probability ``p``."""
    return uniform(generator, count, 0.0, 1.0, device) < p


def randint(
    generator: torch.Generator,
    high: int,
    shape: int | Sequence[int] = (),
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Integers in [0, high) (int64)."""
    size = (shape,) if isinstance(shape, int) else tuple(shape)
    values = torch.randint(high, size, generator=generator, device=generator.device)
    return values if device is None else values.to(device)


def permutation(
    generator: torch.Generator, count: int, device: torch.device | str | None = None
) -> torch.Tensor:
    """A random permutation of range(count)."""
    values = torch.randperm(count, generator=generator, device=generator.device)
    return values if device is None else values.to(device)


def beta(
    generator: torch.Generator,
    count: int,
    alpha: float,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """(count,) float32 draws from Beta(alpha, alpha).

    torch's Beta distribution takes no generator, so numpy draws them from a seed that is
    itself drawn from ``generator``: still a function of the generator's state alone.
    """
    seed = int(randint(generator, 2**62, 1).item())
    draws = np.random.default_rng(seed).beta(alpha, alpha, size=count)
    values = torch.from_numpy(draws.astype(np.float32))
    return values.to(device if device is not None else generator.device)


class TorchRandom:
    """Python-style choices (for text augmentation) drawn from a ``torch.Generator``."""

    def __init__(self, generator: torch.Generator) -> None:
        self.generator = generator

    def random(self) -> float:
        """A float in [0, 1)."""
        return float(torch.rand((), generator=self.generator, device=self.generator.device))

    def randrange(self, high: int) -> int:
        """An int in [0, high)."""
        if high < 1:
            raise ValueError(f"randrange needs high ≥ 1, got {high}")
        return int(randint(self.generator, high).item())

    def sample(self, count: int, k: int) -> list[int]:
        """``k`` distinct indices of range(count), in random order."""
        return [int(i) for i in permutation(self.generator, count)[:k].tolist()]
