"""Transforms: per sample (in DataLoader workers: tokenising, decoding) and per batch (on the
device, all samples at once: resizing, normalising), plus the task's targets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch.utils.data import Dataset

from polymodal.data.batch import Batch

RAW_SUFFIX = "_raw"


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
    """

    def __init__(
        self,
        dataset: Dataset[dict[str, Any]],
        transforms: Mapping[str, Callable[[Any], Any]],
        targets: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.dataset = dataset
        self.transforms = dict(transforms)
        self.targets = targets

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = dict(self.dataset[index])
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
