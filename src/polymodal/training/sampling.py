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

    ``group_size`` k cuts each group, shuffled, into runs of at most k samples and shuffles the
    runs: a batch of B samples then holds about B/k images. Whole groups (k unset) make the
    cheapest steps, but a batch of 64 questions over 3 images is a poor gradient estimate:
    models that must learn *where* to look were measured to stay at the answer prior that way
    (docs/fusion.md); a few questions per image keep most of the saving.
    """

    def __init__(
        self,
        size: int,
        seed: int,
        shuffle: bool = True,
        groups: Sequence[Hashable] | None = None,
        group_size: int | None = None,
    ) -> None:
        if groups is not None and len(groups) != size:
            raise ValueError(f"groups has {len(groups)} keys for {size} samples")
        if group_size is not None and (groups is None or group_size < 1):
            raise ValueError(f"group_size={group_size} needs groups and must be at least 1")
        self.group_size = group_size
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
        runs = self.members
        if self.group_size is not None:
            runs = []
            for members in self.members:
                order = torch.randperm(len(members), generator=generator).tolist()
                shuffled = [members[i] for i in order]
                runs += [
                    shuffled[start : start + self.group_size]
                    for start in range(0, len(shuffled), self.group_size)
                ]
        permutation = torch.randperm(len(runs), generator=generator).tolist()
        return [index for run in permutation for index in runs[run]]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order()[self.start :])

    def __len__(self) -> int:
        return self.size - self.start
