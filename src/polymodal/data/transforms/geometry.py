"""Geometric image augmentations on tensors — flip and random resized crop — and the
resampling functions that they and the affine augmentations (:mod:`.affine`) share: batched,
on any device, without torchvision.

Each class is both a sample augmentation (``augment:``, on a raw sample's (3, H, W) uint8
image) and a batch augmentation (``batch_augment:``, on a batch's (B, 3, H, W) float images):
``augmentation(data, generator)`` changes ``data[field]`` and returns ``data``. Random
parameters are drawn per image from ``generator`` only. Resampling is bilinear through
``F.affine_grid`` / ``F.grid_sample``; flips are exact.

These transforms change only the image. When the text describes the image (left/right,
positions, counts), use the cross-modal versions in :mod:`~polymodal.data.transforms.cross_modal`.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from polymodal.data.transforms import _random
from polymodal.data.transforms._image import augment_image_field, check_probability, check_range
from polymodal.data.transforms.record import describe

PADDINGS = ("border", "reflection", "constant")


# ---- functional: (B, C, H, W) float in, same out


def hflip(images: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mirrors images left–right; with ``mask`` (B,) bool, only the rows where it is True."""
    flipped = images.flip(-1)
    if mask is None:
        return flipped
    return torch.where(mask.view(-1, *([1] * (images.dim() - 1))), flipped, images)


def affine_matrix(
    degrees: torch.Tensor, scale: torch.Tensor, shear: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, 2, 2) forward maps in pixel units (y down): rotation by ``degrees`` (positive:
    counter-clockwise on screen) of an x-shear by ``shear`` degrees, scaled by ``scale``."""
    angle = torch.deg2rad(degrees)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotation = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)
    if shear is not None:
        shearing = torch.zeros_like(rotation)
        shearing[:, 0, 0] = shearing[:, 1, 1] = 1.0
        shearing[:, 0, 1] = torch.tan(torch.deg2rad(shear))
        rotation = rotation @ shearing
    return rotation * scale.view(-1, 1, 1)


def sampling_theta(
    matrix: torch.Tensor, translate: torch.Tensor, height: int, width: int
) -> torch.Tensor:
    """The ``F.affine_grid`` theta (B, 2, 3) that applies a forward pixel map about the image
    centre: output point q comes from input point matrix⁻¹ (q − translate).

    Args:
        matrix: (B, 2, 2) forward linear map in pixel units.
        translate: (B, 2) forward shift (x, y) in pixels.
        height: image height H.
        width: image width W.
    """
    a, b, c, d = matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 1, 0], matrix[:, 1, 1]
    determinant = a * d - b * c
    inverse = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2)
    inverse = inverse / determinant.view(-1, 1, 1)
    # Normalised coordinates run over [-1, 1] on each axis: half-sizes convert pixels.
    half = torch.tensor([width / 2, height / 2], dtype=matrix.dtype, device=matrix.device)
    linear = inverse * half.view(1, 1, 2) / half.view(1, 2, 1)
    offset = -(inverse @ translate.unsqueeze(-1)).squeeze(-1) / half
    return torch.cat([linear, offset.unsqueeze(-1)], dim=-1)


def resample(
    images: torch.Tensor,
    theta: torch.Tensor,
    size: tuple[int, int] | None = None,
    padding: str = "border",
    fill: float | Sequence[float] = 0.0,
) -> torch.Tensor:
    """Samples ``images`` through ``theta`` (B, 2, 3), which maps output to input normalised
    coordinates (``F.affine_grid`` convention, ``align_corners=False``).

    Args:
        images: (B, C, H, W) float.
        theta: (B, 2, 3).
        size: output (height, width); default the input's.
        padding: what lies outside the image: ``border`` (edge pixels repeated),
            ``reflection``, or ``constant`` (``fill``).
        fill: constant value(s) in the images' own units (per channel or one for all).

    Returns:
        (B, C, *size) float.
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    batch, channels = images.shape[:2]
    height, width = size or (images.shape[-2], images.shape[-1])
    grid = F.affine_grid(theta.to(images), [batch, channels, height, width], align_corners=False)
    if padding != "constant":
        return F.grid_sample(images, grid, "bilinear", padding, align_corners=False)
    # Sample a channel of ones with zero padding: it says how much of each output pixel came
    # from inside the image, and the rest is filled.
    ones = torch.ones_like(images[:, :1])
    sampled = F.grid_sample(
        torch.cat([images, ones], 1), grid, "bilinear", "zeros", align_corners=False
    )
    values, coverage = sampled[:, :-1], sampled[:, -1:]
    fill_values = torch.as_tensor(fill, dtype=images.dtype, device=images.device)
    return values + (1 - coverage) * fill_values.reshape(1, -1, 1, 1)


def as_range(name: str, value: float | Sequence[float], symmetric: bool) -> tuple[float, float]:
    if isinstance(value, int | float):
        if symmetric:
            if value < 0:
                raise ValueError(f"{name} must be ≥ 0 (the range is ±{name}), got {value}")
            return -float(value), float(value)
        return float(value), float(value)
    return check_range(name, value, -math.inf, math.inf)


def check_padding(padding: str) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    return padding


# ---- augmentations


class RandomHorizontalFlip:
    """Mirrors the image left–right with probability ``p`` (image only: the text is not
    changed — see :class:`~polymodal.data.transforms.ConsistentHorizontalFlip`).

    Args:
        p: probability of flipping each image.
        field: the image field.
        record: append ``hflip`` to the sample's ``augmentations`` when flipped.

    Shapes:
        data[field]: (3, H, W) or (B, 3, H, W), any dtype → same.
    """

    def __init__(self, p: float = 0.5, field: str = "image", record: bool = False) -> None:
        self.p = check_probability("p", p)
        self.field = field
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> torch.Tensor:
        """(count,) bool: which images are flipped."""
        return _random.bernoulli(generator, count, self.p)

    def apply(
        self, images: torch.Tensor, generator: torch.Generator, describe_rows: bool = False
    ) -> tuple[torch.Tensor, list[str | None]]:
        """(B, C, H, W) float → flipped rows, and ``hflip`` for each flipped row."""
        mask = self.draw(generator, images.shape[0]).to(images.device)
        rows = mask.tolist() if describe_rows else []
        return hflip(images, mask), ["hflip" if m else None for m in rows]

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return augment_image_field(data, self.field, self.apply, generator, self.record)


class RandomResizedCrop:
    """Crops a random region — ``scale`` of the image area, aspect ratio in ``ratio`` — and
    resizes it to ``size`` (default: the input size, so shapes never change).

    Args:
        scale: (min, max) share of the image area kept, in (0, 1].
        ratio: (min, max) aspect ratio (width / height, in pixels) of the crop; the draw is
            uniform in log-ratio. A crop that would overflow the image is shrunk to fit.
        size: output side or (height, width); ``None`` keeps the input size.
        p: probability of cropping an image (others keep every pixel, resized if ``size``).
        field: the image field.
        record: append ``crop(x=, y=, w=, h=)`` (input pixels) to ``augmentations``.

    Shapes:
        data[field]: (3, H, W) or (B, 3, H, W), any dtype → (…, 3, *size), same dtype.
    """

    def __init__(
        self,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        size: int | Sequence[int] | None = None,
        p: float = 1.0,
        field: str = "image",
        record: bool = False,
    ) -> None:
        self.scale = check_range("scale", scale, 0.0, 1.0)
        if self.scale[0] <= 0:
            raise ValueError(f"scale must be (min, max) with 0 < min ≤ max ≤ 1, got {scale}")
        self.ratio = check_range("ratio", ratio, 1e-3, 1e3)
        self.size: tuple[int, int] | None = None
        if isinstance(size, int):
            self.size = (size, size)
        elif size is not None:
            self.size = (int(size[0]), int(size[1]))
        self.p = check_probability("p", p)
        self.field = field
        self.record = record

    def draw(self, generator: torch.Generator, count: int, height: int, width: int) -> torch.Tensor:
        """(count, 4) crop boxes in normalised coordinates: centre x, centre y, half-width,
        half-height (a half-size of 1 is the whole side)."""
        area = _random.uniform(generator, count, *self.scale)
        log_ratio = _random.uniform(
            generator, count, math.log(self.ratio[0]), math.log(self.ratio[1])
        )
        ratio = torch.exp(log_ratio)
        half_w = torch.sqrt(area * ratio * height / width).clamp(max=1.0)
        half_h = torch.sqrt(area / ratio * width / height).clamp(max=1.0)
        centre_x = (1 - half_w) * _random.uniform(generator, count, -1.0, 1.0)
        centre_y = (1 - half_h) * _random.uniform(generator, count, -1.0, 1.0)
        return torch.stack([centre_x, centre_y, half_w, half_h], dim=1)

    def apply_boxes(
        self, images: torch.Tensor, boxes: torch.Tensor, applied: torch.Tensor
    ) -> torch.Tensor:
        """Crops each image to its box (normalised, as :meth:`draw`) where ``applied``."""
        boxes = boxes.to(images.device)
        applied = applied.to(images.device)
        identity = torch.tensor([0.0, 0.0, 1.0, 1.0], device=images.device)
        boxes = torch.where(applied.unsqueeze(1), boxes, identity)
        theta = torch.zeros(images.shape[0], 2, 3, device=images.device)
        theta[:, 0, 0], theta[:, 1, 1] = boxes[:, 2], boxes[:, 3]
        theta[:, 0, 2], theta[:, 1, 2] = boxes[:, 0], boxes[:, 1]
        cropped = resample(images, theta, self.size)
        if self.size is None:  # untouched images keep their exact pixels
            cropped = torch.where(applied.view(-1, 1, 1, 1), cropped, images)
        return cropped

    def apply(
        self, images: torch.Tensor, generator: torch.Generator, describe_rows: bool = False
    ) -> tuple[torch.Tensor, list[str | None]]:
        height, width = images.shape[-2:]
        boxes = self.draw(generator, images.shape[0], height, width)
        applied = _random.bernoulli(generator, images.shape[0], self.p)
        descriptions = (
            [
                describe_crop(box, height, width) if a else None
                for box, a in zip(boxes, applied, strict=True)
            ]
            if describe_rows
            else []
        )
        return self.apply_boxes(images, boxes, applied), descriptions

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return augment_image_field(data, self.field, self.apply, generator, self.record)


def crop_pixels(box: torch.Tensor, height: int, width: int) -> tuple[float, float, float, float]:
    """A normalised box (centre x, centre y, half-width, half-height) → (x0, y0, x1, y1) pixels."""
    centre_x, centre_y, half_w, half_h = (float(v) for v in box)
    x0 = (centre_x - half_w + 1) / 2 * width
    y0 = (centre_y - half_h + 1) / 2 * height
    return x0, y0, x0 + half_w * width, y0 + half_h * height


def describe_crop(box: torch.Tensor, height: int, width: int) -> str:
    x0, y0, x1, y1 = crop_pixels(box, height, width)
    return describe(
        "crop", x=round(x0, 1), y=round(y0, 1), w=round(x1 - x0, 1), h=round(y1 - y0, 1)
    )
