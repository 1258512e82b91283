"""Random affine image augmentations — rotation, scaling, translation, shear — batched on
tensors, through :func:`~polymodal.data.transforms.geometry.resample`.

Like the other image augmentations, each is a sample augmentation (raw (3, H, W) uint8 image)
and a batch augmentation ((B, 3, H, W) floats on the device), with parameters drawn per image
from the given generator only. They change only the image: a rotation can turn a "left of"
into an "above"; guard spatial questions with :class:`~polymodal.data.transforms.TextGuard`.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms import _random
from polymodal.data.transforms._image import augment_image_field, check_probability, check_range
from polymodal.data.transforms.geometry import (
    affine_matrix,
    as_range,
    check_padding,
    resample,
    sampling_theta,
)
from polymodal.data.transforms.record import describe


class RandomAffine:
    """A random rotation, translation, scaling and x-shear about the image centre.

    Args:
        degrees: rotation range: ``d`` for (−d, d) or (min, max); positive turns the image
            counter-clockwise.
        translate: (fx, fy): shifts up to ±fx·W and ±fy·H.
        scale: (min, max) zoom factor (> 1 enlarges the content).
        shear: x-shear angle range in degrees: ``s`` for (−s, s) or (min, max).
        p: probability of transforming an image.
        padding: what fills uncovered pixels: ``border`` (edge pixels repeated), ``reflection``
            or ``constant`` (``fill``). ``border`` is the default because a reflection can
            duplicate an object near the edge, which changes counts.
        fill: the constant for ``padding="constant"``, in the image's own units.
        field: the image field.
        record: append the drawn parameters to ``augmentations``.

    Shapes:
        data[field]: (3, H, W) or (B, 3, H, W), any dtype → same.
    """

    name = "affine"

    def __init__(
        self,
        degrees: float | Sequence[float] = 0.0,
        translate: Sequence[float] = (0.0, 0.0),
        scale: Sequence[float] = (1.0, 1.0),
        shear: float | Sequence[float] = 0.0,
        p: float = 1.0,
        padding: str = "border",
        fill: float | Sequence[float] = 0.0,
        field: str = "image",
        record: bool = False,
    ) -> None:
        self.degrees = as_range("degrees", degrees, symmetric=True)
        self.translate = tuple(float(t) for t in translate)
        if len(self.translate) != 2 or not all(0.0 <= t <= 1.0 for t in self.translate):
            raise ValueError(f"translate must be (fx, fy) with each in [0, 1], got {translate}")
        self.scale = check_range("scale", scale, 1e-3, 1e3)
        self.shear = as_range("shear", shear, symmetric=True)
        if not all(-80.0 <= s <= 80.0 for s in self.shear):
            raise ValueError(f"shear must stay within ±80 degrees, got {shear}")
        self.p = check_probability("p", p)
        self.padding = check_padding(padding)
        self.fill = fill
        self.field = field
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> dict[str, torch.Tensor]:
        """Per-image parameters: ``degrees``, ``translate`` (fractions), ``scale``, ``shear``,
        ``applied``."""
        params = {
            "degrees": _random.uniform(generator, count, *self.degrees),
            "translate": _random.uniform(generator, (count, 2), -1.0, 1.0)
            * torch.tensor(self.translate, device=generator.device),
            "scale": _random.uniform(generator, count, *self.scale),
            "shear": _random.uniform(generator, count, *self.shear),
            "applied": _random.bernoulli(generator, count, self.p),
        }
        return params

    def apply(
        self, images: torch.Tensor, generator: torch.Generator, describe_rows: bool = False
    ) -> tuple[torch.Tensor, list[str | None]]:
        params = {k: v.to(images.device) for k, v in self.draw(generator, images.shape[0]).items()}
        height, width = images.shape[-2:]
        matrix = affine_matrix(params["degrees"], params["scale"], params["shear"])
        shift = params["translate"] * torch.tensor([width, height], device=images.device)
        theta = sampling_theta(matrix, shift, height, width)
        moved = resample(images, theta, None, self.padding, self.fill)
        applied = params["applied"]
        descriptions: list[str | None] = []
        if describe_rows:
            for row in range(images.shape[0]):
                descriptions.append(self._describe(params, row) if applied[row] else None)
        return torch.where(applied.view(-1, 1, 1, 1), moved, images), descriptions

    def _describe(self, params: dict[str, torch.Tensor], row: int) -> str:
        values: dict[str, Any] = {}
        if self.degrees != (0.0, 0.0):
            values["deg"] = float(params["degrees"][row])
        if self.translate != (0.0, 0.0):
            values["shift"] = [float(v) for v in params["translate"][row]]
        if self.scale != (1.0, 1.0):
            values["scale"] = float(params["scale"][row])
        if self.shear != (0.0, 0.0):
            values["shear"] = float(params["shear"][row])
        return describe(self.name, **values)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return augment_image_field(data, self.field, self.apply, generator, self.record)


class RandomRotation:
    """Rotates by a random angle in ``degrees`` (``d`` for (−d, d)); see :class:`RandomAffine`
    for the other arguments. Records ``rotate(deg=…)``."""

    def __init__(
        self,
        degrees: float | Sequence[float] = 15.0,
        p: float = 1.0,
        padding: str = "border",
        fill: float | Sequence[float] = 0.0,
        field: str = "image",
        record: bool = False,
    ) -> None:
        self.affine = RandomAffine(
            degrees=degrees, p=p, padding=padding, fill=fill, field=field, record=record
        )
        self.affine.name = "rotate"

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return self.affine(data, generator)


class RandomScale:
    """Zooms about the centre by a random factor in ``scale`` (> 1 enlarges the content, < 1
    shrinks it inside ``padding``); see :class:`RandomAffine` for the other arguments. Records
    ``scale(scale=…)``."""

    def __init__(
        self,
        scale: Sequence[float] = (0.8, 1.2),
        p: float = 1.0,
        padding: str = "border",
        fill: float | Sequence[float] = 0.0,
        field: str = "image",
        record: bool = False,
    ) -> None:
        self.affine = RandomAffine(
            scale=scale, p=p, padding=padding, fill=fill, field=field, record=record
        )
        self.affine.name = "scale"

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return self.affine(data, generator)
