"""Normalisation, and the way back to [0, 1] that colour augmentations need.

Colour operations are defined on pixel values in [0, 1]. A raw sample's image is uint8
(0–255); a batch after ``ImageToTensor`` is normalised, (x − mean) / std. :class:`PixelRange`
says which, and converts to [0, 1] and back, so one colour augmentation serves both hooks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class Normalize:
    """Float pixels in [0, 1] → (x − mean) / std, per channel (a per-field transform).

    Args:
        mean: per-channel mean.
        std: per-channel standard deviation (each > 0).

    Shapes:
        image: (..., C, H, W) float → same.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if len(mean) != len(std):
            raise ValueError(f"mean and std need one value per channel, got {mean} and {std}")
        if any(s <= 0 for s in std):
            raise ValueError(f"std values must be > 0, got {std}")
        self.mean = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        if not image.is_floating_point():
            raise ValueError(f"Normalize expects float pixels in [0, 1], got {image.dtype}")
        return (image - self.mean.to(image.device)) / self.std.to(image.device)


class PixelRange:
    """Where pixel values live: 0–255 for integer images, else [0, 1] or normalised.

    Args:
        mean: the normalisation mean of float images (``None``: float images are in [0, 1]).
        std: the normalisation std (with ``mean``).
    """

    def __init__(
        self, mean: Sequence[float] | None = None, std: Sequence[float] | None = None
    ) -> None:
        if (mean is None) != (std is None):
            raise ValueError("give both mean and std (the batch's normalisation), or neither")
        self.normalize = Normalize(mean, std) if mean is not None and std is not None else None

    def to_unit(self, images: torch.Tensor, integer: bool) -> torch.Tensor:
        """(B, C, H, W) float in the images' units → [0, 1]. ``integer``: the images were
        uint8 (values 0–255)."""
        if integer:
            return images / 255.0
        if self.normalize is None:
            return images
        norm = self.normalize
        return images * norm.std.to(images.device) + norm.mean.to(images.device)

    def from_unit(self, images: torch.Tensor, integer: bool) -> torch.Tensor:
        """The inverse of :meth:`to_unit`."""
        if integer:
            return images * 255.0
        if self.normalize is None:
            return images
        return self.normalize(images)
