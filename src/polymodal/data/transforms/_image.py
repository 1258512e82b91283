"""Shared plumbing of the image augmentations: one image or a batch, uint8 or float.

An image augmentation is written once, for float (B, C, H, W) tensors; these helpers accept
(C, H, W) or (B, C, H, W), uint8 or float, and give the result back in the caller's shape and
dtype (uint8 results are rounded and clamped to [0, 255]).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms.record import record_rows

#: apply(images (B, C, H, W) float, generator, describe) → (images, one description per row)
BatchOp = Callable[[torch.Tensor, torch.Generator, bool], tuple[torch.Tensor, Sequence[str | None]]]


def as_batch(image: torch.Tensor, name: str = "image") -> tuple[torch.Tensor, bool]:
    """(C, H, W) or (B, C, H, W), any dtype → (B, C, H, W) float32, and whether it was a batch.

    Raises:
        ValueError: naming ``name`` when the tensor is not an image or a batch of images.
    """
    if not isinstance(image, torch.Tensor) or image.dim() not in (3, 4):
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"{name} must be a (C, H, W) or (B, C, H, W) tensor, got {shape}")
    batched = image.dim() == 4
    images = image if batched else image.unsqueeze(0)
    if not images.is_floating_point():
        images = images.float()
    return images, batched


def restore(images: torch.Tensor, like: torch.Tensor, batched: bool) -> torch.Tensor:
    """Undoes :func:`as_batch`: back to ``like``'s dtype and (un)batched shape."""
    if not like.is_floating_point():
        info = torch.iinfo(like.dtype)
        images = images.round().clamp(info.min, info.max).to(like.dtype)
    elif images.dtype != like.dtype:
        images = images.to(like.dtype)
    return images if batched else images.squeeze(0)


def augment_image_field(
    data: MutableMapping[str, Any],
    field: str,
    op: BatchOp,
    generator: torch.Generator,
    record: bool,
) -> MutableMapping[str, Any]:
    """Runs ``op`` on ``data[field]`` — a raw sample's (C, H, W) image or a batch's
    (B, C, H, W) images — and records what it did when ``record`` is on."""
    if field not in data:
        raise KeyError(f"augmentation configured for field {field!r}, but data has {list(data)}")
    image = data[field]
    images, batched = as_batch(image, field)
    augmented, descriptions = op(images, generator, record)
    data[field] = restore(augmented, image, batched)
    if record:
        record_rows(data, descriptions, field, batched)
    return data


def check_range(name: str, value: Sequence[float], low: float, high: float) -> tuple[float, float]:
    """A (min, max) pair inside [low, high], or a ValueError naming ``name``."""
    pair = tuple(float(v) for v in value)
    if len(pair) != 2 or not low <= pair[0] <= pair[1] <= high:
        raise ValueError(f"{name} must be (min, max) with {low} ≤ min ≤ max ≤ {high}, got {value}")
    return pair[0], pair[1]


def check_probability(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    return float(value)


def single_image(sample: Mapping[str, Any], field: str, name: str) -> torch.Tensor:
    """A raw sample's (C, H, W) image; an error naming ``name`` for a batch (cross-modal
    augmentations need one sample's text)."""
    if field not in sample:
        raise KeyError(f"{name} configured for field {field!r}, but samples have {list(sample)}")
    image = sample[field]
    if not isinstance(image, torch.Tensor) or image.dim() != 3:
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(
            f"{name} is a sample augmentation (augment:): it needs one (C, H, W) image and "
            f"its text, got {field} of shape {shape}"
        )
    return image
