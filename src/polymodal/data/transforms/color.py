"""Colour augmentations on tensors: brightness, contrast, saturation, hue (colour jitter),
and the pixel operations RandAugment draws from — batched, on any device.

The functions take (B, 3, H, W) float images in [0, 1] and per-image factors (B,); the
augmentation classes accept raw uint8 samples or normalised float batches (give the batch's
``mean`` / ``std`` so that they can work in [0, 1]; see
:class:`~polymodal.data.transforms.normalize.PixelRange`).

Colour jitter changes what colour things are. When the text asks about colour, use
:class:`~polymodal.data.transforms.ConsistentColorJitter`, which leaves those samples alone.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from polymodal.data.transforms import _random
from polymodal.data.transforms._image import augment_image_field, check_probability, check_range
from polymodal.data.transforms.normalize import PixelRange
from polymodal.data.transforms.record import describe

#: ITU-R BT.601 luma weights.
LUMA = (0.299, 0.587, 0.114)
# RGB → YIQ; a hue rotation turns the (I, Q) chroma plane and keeps the luma Y.
_YIQ = ((0.299, 0.587, 0.114), (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))


def _per_image(value: torch.Tensor | float, images: torch.Tensor) -> torch.Tensor:
    """A float or (B,) tensor → (B, 1, 1, 1) on the images' device."""
    factor = torch.as_tensor(value, dtype=images.dtype, device=images.device)
    return factor.reshape(-1, 1, 1, 1)


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) → (B, 1, H, W) luma."""
    weights = torch.tensor(LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)


def _blend(images: torch.Tensor, other: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """other + factor · (images − other), clamped: factor 1 is the identity, 0 gives other."""
    return (other + _per_image(factor, images) * (images - other)).clamp(0.0, 1.0)


def adjust_brightness(images: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """Scales pixel values (0: black, 1: unchanged)."""
    return _blend(images, torch.zeros_like(images), factor)


def adjust_contrast(images: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """Blends with the image's mean luma (0: uniform grey, 1: unchanged)."""
    mean = grayscale(images).mean(dim=(1, 2, 3), keepdim=True)
    return _blend(images, mean.expand_as(images), factor)


def adjust_saturation(images: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """Blends with the grayscale image (0: grey, 1: unchanged, > 1: more saturated)."""
    return _blend(images, grayscale(images).expand_as(images), factor)


def adjust_hue(images: torch.Tensor, shift: torch.Tensor | float) -> torch.Tensor:
    """Turns the hue by ``shift`` of a full turn (±0.5: opposite colours), keeping the luma:
    a rotation of the chroma plane in YIQ space."""
    to_yiq = torch.tensor(_YIQ, dtype=images.dtype, device=images.device)
    from_yiq = torch.linalg.inv(to_yiq)
    angle = _per_image(shift, images).view(-1) * 2 * math.pi
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotation = torch.zeros(angle.shape[0], 3, 3, dtype=images.dtype, device=images.device)
    rotation[:, 0, 0] = 1.0
    rotation[:, 1, 1], rotation[:, 1, 2] = cos, -sin
    rotation[:, 2, 1], rotation[:, 2, 2] = sin, cos
    matrices = from_yiq @ rotation @ to_yiq  # (B, 3, 3), or (1, 3, 3) for one shift
    turned = torch.einsum("bij,bjhw->bihw", matrices.expand(images.shape[0], 3, 3), images)
    return turned.clamp(0.0, 1.0)


def adjust_sharpness(images: torch.Tensor, factor: torch.Tensor | float) -> torch.Tensor:
    """Blends with a smoothed image (0: smoothed, 1: unchanged, 2: sharpened); the one-pixel
    border is left as it is."""
    kernel = torch.ones(3, 3, dtype=images.dtype, device=images.device)
    kernel[1, 1] = 5.0
    kernel = (kernel / kernel.sum()).expand(images.shape[1], 1, 3, 3)
    smooth = F.conv2d(images, kernel, padding=1, groups=images.shape[1])
    smooth[..., 0, :], smooth[..., -1, :] = images[..., 0, :], images[..., -1, :]
    smooth[..., :, 0], smooth[..., :, -1] = images[..., :, 0], images[..., :, -1]
    return _blend(images, smooth, factor)


def solarize(images: torch.Tensor, threshold: torch.Tensor | float) -> torch.Tensor:
    """Inverts values at or above ``threshold``."""
    return torch.where(images >= _per_image(threshold, images), 1.0 - images, images)


def posterize(images: torch.Tensor, bits: torch.Tensor | int) -> torch.Tensor:
    """Keeps the ``bits`` (1–8) most significant bits of each 8-bit value."""
    levels = (images * 255).round().to(torch.int64)
    keep = torch.as_tensor(bits, device=images.device).to(torch.int64).reshape(-1, 1, 1, 1)
    mask = 256 - torch.pow(2, 8 - keep)
    return (levels & mask).to(images.dtype) / 255.0


def autocontrast(images: torch.Tensor) -> torch.Tensor:
    """Stretches each channel to span [0, 1] (a constant channel is left as it is)."""
    low = images.amin(dim=(2, 3), keepdim=True)
    high = images.amax(dim=(2, 3), keepdim=True)
    span = high - low
    stretched = (images - low) / span.clamp(min=1e-6)
    return torch.where(span > 1e-6, stretched, images)


def equalize(images: torch.Tensor) -> torch.Tensor:
    """Histogram equalisation of each channel over 256 levels (a channel with one level is
    left as it is)."""
    batch, channels, height, width = images.shape
    levels = (images * 255).round().to(torch.int64).clamp(0, 255).view(batch * channels, -1)
    histogram = torch.zeros(batch * channels, 256, device=images.device)
    histogram.scatter_add_(1, levels, torch.ones_like(levels, dtype=histogram.dtype))
    cdf = histogram.cumsum(dim=1)
    # The first occupied level maps to 0 and the last to 255.
    first = torch.where(histogram > 0, cdf, torch.full_like(cdf, math.inf)).amin(1, keepdim=True)
    total = cdf[:, -1:]
    lut = ((cdf - first) / (total - first).clamp(min=1) * 255).clamp(0, 255).round()
    mapped = torch.gather(lut, 1, levels) / 255.0
    constant = total == first
    mapped = torch.where(constant, levels.to(mapped.dtype) / 255.0, mapped)
    return mapped.view(batch, channels, height, width).to(images.dtype)


def _factor_range(name: str, value: float | Sequence[float], centre: float) -> tuple[float, float]:
    """``v`` → (max(0, centre − v), centre + v); or an explicit (min, max)."""
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{name} must be ≥ 0, got {value}")
        return max(0.0, centre - value), centre + value
    return check_range(name, value, 0.0, math.inf)


class ColorJitter:
    """Random brightness, contrast, saturation and hue, per image, in that order.

    Args:
        brightness: ``b`` draws a factor in [max(0, 1 − b), 1 + b] (or give (min, max)).
        contrast: as ``brightness``, for contrast.
        saturation: as ``brightness``, for saturation.
        hue: ``h`` in [0, 0.5] draws a hue turn in [−h, h] (of a full turn).
        p: probability of jittering an image.
        mean: the normalisation mean of float images (batches after ``ImageToTensor``);
            ``None``: float images hold [0, 1]. uint8 images are always 0–255.
        std: the normalisation std (with ``mean``).
        field: the image field.
        record: append ``color_jitter(brightness=…, …)`` to ``augmentations``.

    Shapes:
        data[field]: (3, H, W) or (B, 3, H, W), any dtype → same.
    """

    def __init__(
        self,
        brightness: float | Sequence[float] = 0.0,
        contrast: float | Sequence[float] = 0.0,
        saturation: float | Sequence[float] = 0.0,
        hue: float = 0.0,
        p: float = 1.0,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        field: str = "image",
        record: bool = False,
    ) -> None:
        self.brightness = _factor_range("brightness", brightness, 1.0)
        self.contrast = _factor_range("contrast", contrast, 1.0)
        self.saturation = _factor_range("saturation", saturation, 1.0)
        if not 0.0 <= hue <= 0.5:
            raise ValueError(f"hue must be in [0, 0.5] (a share of a full turn), got {hue}")
        self.hue = (-float(hue), float(hue))
        self.p = check_probability("p", p)
        self.pixels = PixelRange(mean, std)
        self.field = field
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> dict[str, torch.Tensor]:
        """Per-image ``brightness``, ``contrast``, ``saturation``, ``hue`` and ``applied``."""
        return {
            "brightness": _random.uniform(generator, count, *self.brightness),
            "contrast": _random.uniform(generator, count, *self.contrast),
            "saturation": _random.uniform(generator, count, *self.saturation),
            "hue": _random.uniform(generator, count, *self.hue),
            "applied": _random.bernoulli(generator, count, self.p),
        }

    def jitter(self, unit: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """Applies drawn parameters to (B, 3, H, W) images in [0, 1]."""
        changed = unit
        if self.brightness != (1.0, 1.0):
            changed = adjust_brightness(changed, params["brightness"])
        if self.contrast != (1.0, 1.0):
            changed = adjust_contrast(changed, params["contrast"])
        if self.saturation != (1.0, 1.0):
            changed = adjust_saturation(changed, params["saturation"])
        if self.hue != (0.0, 0.0):
            changed = adjust_hue(changed, params["hue"])
        return torch.where(params["applied"].view(-1, 1, 1, 1), changed, unit)

    def apply(
        self,
        images: torch.Tensor,
        generator: torch.Generator,
        describe_rows: bool = False,
        integer: bool = False,
    ) -> tuple[torch.Tensor, list[str | None]]:
        """(B, 3, H, W) float in the images' units (0–255 when ``integer``) → jittered."""
        params = {k: v.to(images.device) for k, v in self.draw(generator, images.shape[0]).items()}
        unit = self.pixels.to_unit(images, integer)
        jittered = self.pixels.from_unit(self.jitter(unit, params), integer)
        descriptions: list[str | None] = []
        if describe_rows:
            names = [
                name
                for name, span in (
                    ("brightness", self.brightness),
                    ("contrast", self.contrast),
                    ("saturation", self.saturation),
                    ("hue", self.hue),
                )
                if span != ((0.0, 0.0) if name == "hue" else (1.0, 1.0))
            ]
            for row in range(images.shape[0]):
                values = {name: float(params[name][row]) for name in names}
                descriptions.append(
                    describe("color_jitter", **values) if params["applied"][row] else None
                )
        # Pixels of images left alone come back exactly (no round trip through [0, 1]).
        return torch.where(params["applied"].view(-1, 1, 1, 1), jittered, images), descriptions

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        image = data.get(self.field)
        integer = isinstance(image, torch.Tensor) and not image.is_floating_point()

        def op(
            images: torch.Tensor, gen: torch.Generator, rows: bool
        ) -> tuple[torch.Tensor, list[str | None]]:
            return self.apply(images, gen, rows, integer)

        return augment_image_field(data, self.field, op, generator, self.record)
