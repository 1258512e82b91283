"""RandAugment-style policies (Cubuk et al. 2020, "RandAugment: Practical automated data
augmentation with a reduced search space"): each image gets ``num_ops`` operations drawn
uniformly from a list, all at one global ``magnitude`` — two numbers instead of a searched
policy. Batched: every image draws its own operations and signs, on any device.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms import _random, color
from polymodal.data.transforms._image import augment_image_field
from polymodal.data.transforms.geometry import PADDINGS, affine_matrix, resample, sampling_theta
from polymodal.data.transforms.normalize import PixelRange
from polymodal.data.transforms.record import describe

#: magnitude 10 is the strongest; each op scales its strength by magnitude / MAX_MAGNITUDE.
MAX_MAGNITUDE = 10.0

#: ops whose strength changes sign at random (a left and a right rotation are equally likely).
_SIGNED = {"rotate", "shear_x", "shear_y", "translate_x", "translate_y",
           "brightness", "contrast", "saturation", "sharpness"}  # fmt: skip
OPS = (
    "identity",
    "rotate",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
    "brightness",
    "contrast",
    "saturation",
    "sharpness",
    "solarize",
    "posterize",
    "autocontrast",
    "equalize",
)
#: ops that move pixels (a spatial question may not survive them) and ops that change colour.
GEOMETRIC_OPS = ("rotate", "shear_x", "shear_y", "translate_x", "translate_y")
COLOR_OPS = ("brightness", "contrast", "saturation", "sharpness", "solarize", "posterize",
             "autocontrast", "equalize")  # fmt: skip

# (images in [0, 1], signed strength in [-1, 1] per image, padding) → images
_Op = Callable[[torch.Tensor, torch.Tensor, str], torch.Tensor]


def _geometric(
    images: torch.Tensor,
    degrees: torch.Tensor | None = None,
    shear: torch.Tensor | None = None,
    shift: torch.Tensor | None = None,
    padding: str = "border",
) -> torch.Tensor:
    count, height, width = images.shape[0], images.shape[-2], images.shape[-1]
    zeros = torch.zeros(count, device=images.device)
    matrix = affine_matrix(degrees if degrees is not None else zeros, torch.ones_like(zeros), shear)
    translate = torch.zeros(count, 2, device=images.device) if shift is None else shift
    theta = sampling_theta(matrix, translate, height, width)
    return resample(images, theta, None, padding, 0.5)


def _translate(
    images: torch.Tensor, strength: torch.Tensor, axis: int, padding: str
) -> torch.Tensor:
    size = images.shape[-1] if axis == 0 else images.shape[-2]
    shift = torch.zeros(images.shape[0], 2, device=images.device)
    shift[:, axis] = strength * 0.3 * size
    return _geometric(images, shift=shift, padding=padding)


def _shear_y(images: torch.Tensor, strength: torch.Tensor, padding: str) -> torch.Tensor:
    # A y-shear is an x-shear of the transposed image.
    sheared = _geometric(images.transpose(-1, -2), shear=strength * 17.0, padding=padding)
    return sheared.transpose(-1, -2)


_OPS: dict[str, _Op] = {
    "identity": lambda x, s, p: x,
    "rotate": lambda x, s, p: _geometric(x, degrees=s * 30.0, padding=p),
    "shear_x": lambda x, s, p: _geometric(x, shear=s * 17.0, padding=p),  # tan 17° ≈ 0.3
    "shear_y": _shear_y,
    "translate_x": lambda x, s, p: _translate(x, s, 0, p),
    "translate_y": lambda x, s, p: _translate(x, s, 1, p),
    "brightness": lambda x, s, p: color.adjust_brightness(x, 1.0 + 0.9 * s),
    "contrast": lambda x, s, p: color.adjust_contrast(x, 1.0 + 0.9 * s),
    "saturation": lambda x, s, p: color.adjust_saturation(x, 1.0 + 0.9 * s),
    "sharpness": lambda x, s, p: color.adjust_sharpness(x, 1.0 + 0.9 * s),
    "solarize": lambda x, s, p: color.solarize(x, 1.0 - s.abs()),
    "posterize": lambda x, s, p: color.posterize(x, 8 - (4 * s.abs()).round().to(torch.int64)),
    "autocontrast": lambda x, s, p: color.autocontrast(x),
    "equalize": lambda x, s, p: color.equalize(x),
}


class RandAugment:
    """``num_ops`` random operations per image at strength ``magnitude`` (0–10).

    At magnitude 10: rotate ±30°, shear ±0.3, translate ±30 % of the side, brightness /
    contrast / saturation / sharpness factor 1 ± 0.9, solarize from threshold 0, posterize
    to 4 bits; autocontrast, equalize and identity have no strength.

    Args:
        num_ops: operations applied to each image, one after another (N in the paper).
        magnitude: strength in [0, 10] (M in the paper, on a 0–10 scale).
        ops: the operations to draw from (default :data:`OPS`). Leave out
            :data:`GEOMETRIC_OPS` for spatial questions and :data:`COLOR_OPS` for colour
            questions, or guard the whole policy with
            :class:`~polymodal.data.transforms.TextGuard`.
        p: probability of augmenting an image at all.
        padding: how geometric ops fill uncovered pixels (``border``, ``reflection`` or
            ``constant`` grey).
        mean: the normalisation mean of float images (``None``: float images hold [0, 1]).
        std: the normalisation std (with ``mean``).
        field: the image field.
        record: append ``randaugment(ops=[…], strength=[…])`` to ``augmentations``.

    Shapes:
        data[field]: (3, H, W) or (B, 3, H, W), any dtype → same.
    """

    def __init__(
        self,
        num_ops: int = 2,
        magnitude: float = 9.0,
        ops: Sequence[str] | None = None,
        p: float = 1.0,
        padding: str = "border",
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        field: str = "image",
        record: bool = False,
    ) -> None:
        if num_ops < 0:
            raise ValueError(f"num_ops must be ≥ 0, got {num_ops}")
        if not 0.0 <= magnitude <= MAX_MAGNITUDE:
            raise ValueError(f"magnitude must be in [0, {MAX_MAGNITUDE:g}], got {magnitude}")
        self.ops = tuple(OPS if ops is None else ops)
        unknown = [op for op in self.ops if op not in _OPS]
        if unknown or not self.ops:
            raise ValueError(f"ops must be a non-empty list from {OPS}, got unknown {unknown}")
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.p = p
        self.padding = padding
        self.pixels = PixelRange(mean, std)
        self.field = field
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> dict[str, torch.Tensor]:
        """``ops`` (count, num_ops) indices into ``self.ops``, ``strength`` (count, num_ops)
        signed in [-1, 1], ``applied`` (count,)."""
        ops = _random.randint(generator, len(self.ops), (count, self.num_ops))
        negative = _random.bernoulli(generator, count * self.num_ops, 0.5).view(count, self.num_ops)
        strength = torch.full(
            (count, self.num_ops), self.magnitude / MAX_MAGNITUDE, device=generator.device
        )
        strength = torch.where(negative, -strength, strength)
        return {
            "ops": ops,
            "strength": strength,
            "applied": _random.bernoulli(generator, count, self.p),
        }

    def augment_unit(self, unit: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """Applies drawn operations to (B, 3, H, W) images in [0, 1]."""
        out = unit
        for step in range(self.num_ops):
            chosen = params["ops"][:, step]
            next_out = out.clone()
            for index, name in enumerate(self.ops):
                rows = (chosen == index).nonzero().squeeze(1)
                if rows.numel() == 0 or name == "identity":
                    continue
                strength = params["strength"][rows, step]
                if name not in _SIGNED:
                    strength = strength.abs()
                next_out[rows] = _OPS[name](out[rows], strength, self.padding).clamp(0.0, 1.0)
            out = next_out
        return torch.where(params["applied"].view(-1, 1, 1, 1), out, unit)

    def apply(
        self,
        images: torch.Tensor,
        generator: torch.Generator,
        describe_rows: bool = False,
        integer: bool = False,
    ) -> tuple[torch.Tensor, list[str | None]]:
        params = {k: v.to(images.device) for k, v in self.draw(generator, images.shape[0]).items()}
        unit = self.pixels.to_unit(images, integer)
        augmented = self.pixels.from_unit(self.augment_unit(unit, params), integer)
        descriptions: list[str | None] = []
        if describe_rows:
            for row in range(images.shape[0]):
                if not params["applied"][row]:
                    descriptions.append(None)
                    continue
                names = [self.ops[int(i)] for i in params["ops"][row]]
                strength = [float(s) for s in params["strength"][row]]
                descriptions.append(describe("randaugment", ops=names, strength=strength))
        return torch.where(params["applied"].view(-1, 1, 1, 1), augmented, images), descriptions

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
