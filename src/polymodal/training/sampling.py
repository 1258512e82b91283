"""A shuffling sampler whose position can be saved and restored mid-epoch."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence

import torch
from torch.utils.data import Sampler


class ResumableSampler(Sampler[int]):
    """Shuffles ``size`` indices with a permutation fixed by (seed, epoch).

    Starting an epoch at a given position skips the samples already seen, without reading
    them, so a resumed run sees exactly the order an uninterrupted run would.

    With ``groups`` (one key per index, e.g. each question's image id), the groups are shuffled
    and each group's samples come out together, so a batch holds few distinct images and each
    is encoded once for all its questions (see ``Collate(share=...)``).
    """

    def __init__(
        self,
        size: int,
        seed: int,
        shuffle: bool = True,
        groups: Sequence[Hashable] | None = None,
    ) -> None:
        if groups is not None and len(groups) != size:
            raise ValueError(f"groups has {len(groups)} keys for {size} samples")
        self.size = size
        self.seed = seed
        self.shuffle = shuffle
        self.epoch = 0
        self.start = 0
        self.members: list[list[int]] | None = None
        if groups is not None:
            by_key: dict[Hashable, list[int]] = {}
            for index, key in enumerate(groups):
                by_key.setdefault(key, []).append(index)
            self.members = list(by_key.values())

    def set_position(self, epoch: int, start: int) -> None:
        """The next iteration covers epoch ``epoch`` from its ``start``-th sample."""
        self.epoch = epoch
        self.start = start

    def order(self) -> list[int]:
        if not self.shuffle:
            return list(range(self.size))
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        if self.members is None:
            return torch.randperm(self.size, generator=generator).tolist()
        permutation = torch.randperm(len(self.members), generator=generator).tolist()
        return [index for group in permutation for index in self.members[group]]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order()[self.start :])

    def __len__(self) -> int:
        return self.size - self.start
