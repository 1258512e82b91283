"""Transforms: per sample (in DataLoader workers: tokenising, decoding) and per batch (on the
device, all samples at once: resizing, normalising), plus the task's targets.

Training data can also be *augmented*: sample augmentations see the raw sample (all its
fields, so a flip can swap "left"/"right" in the question too) and batch augmentations see the
transformed batch on the device. Each call gets its own ``torch.Generator`` seeded from
(seed, epoch, sample index) or (seed, step), so augmentation is deterministic, identical with
any number of workers, and replayed exactly by a resumed run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import torch
from torch.utils.data import Dataset

from polymodal.data.batch import Batch

RAW_SUFFIX = "_raw"
_PRIME = 1_000_003


class SampleAugmentation(Protocol):
    """A random change of one raw training sample (any of its fields, jointly)."""

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]: ...


class BatchAugmentation(Protocol):
    """A random change of a transformed training batch, on its device."""

    def __call__(self, batch: Batch, generator: torch.Generator) -> Batch: ...


def seeded_generator(*keys: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator whose seed is a fixed function of ``keys`` (e.g. seed, epoch, index)."""
    seed = 0
    for key in keys:
        seed = (seed * _PRIME + key) % (2**63 - 1)
    return torch.Generator(device=device).manual_seed(seed)


def apply_batch_transforms(batch: Batch, transforms: Mapping[str, Callable[[Any], Any]]) -> Batch:
    """Applies per-field transforms to a collated batch (on its device, all samples at once)."""
    for field, transform in transforms.items():
        if field not in batch:
            raise KeyError(
                f"batch transform configured for field {field!r}, but batches have {list(batch)}"
            )
        batch[field] = transform(batch[field])
    return batch


class TransformedDataset(Dataset[dict[str, Any]]):
    """Wraps a dataset: each sample's fields go through their transforms, then ``targets``
    adds the fields the task trains on (e.g. ``target``).

    Args:
        dataset: yields ``dict[str, Any]`` samples.
        transforms: field name → callable applied to that field (image → tensor, text → ids).
        targets: sample → extra fields, computed after the transforms.

    A text field's original string stays in the sample as ``<field>_raw``.

    Args:
        augment: sample augmentations applied, in order, to the raw sample before the
            transforms (training data only).
        seed: with the epoch (:meth:`set_epoch`) and the index, seeds each augmentation call.
    """

    def __init__(
        self,
        dataset: Dataset[dict[str, Any]],
        transforms: Mapping[str, Callable[[Any], Any]],
        targets: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        augment: Sequence[SampleAugmentation] = (),
        seed: int = 0,
    ) -> None:
        self.dataset = dataset
        self.transforms = dict(transforms)
        self.targets = targets
        self.augment = list(augment)
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Augmentations draw differently in each epoch (call before building the loader)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = dict(self.dataset[index])
        if self.augment:
            generator = seeded_generator(self.seed, self.epoch, index)
            for augmentation in self.augment:
                sample = augmentation(sample, generator)
        for field, transform in self.transforms.items():
            if field not in sample:
                raise KeyError(
                    f"transform configured for field {field!r}, but samples have {list(sample)}"
                )
            value = sample[field]
            sample[field] = transform(value)
            if isinstance(value, str):
                sample[f"{field}{RAW_SUFFIX}"] = value  # keep the text for prediction records
        if self.targets is not None:
            sample.update(self.targets(sample))
        return sample
