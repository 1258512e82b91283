"""The image preprocessing a Hugging Face vision model was trained with, read from its
``preprocessor_config.json`` (resize, centre crop, rescale, normalise) and applied with plain
tensor operations — no torchvision, no PIL — so it also runs on collated batches on the device."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms.image import resize
from polymodal.encoders.hf_folders import PREPROCESSOR_FILES, check_folder
from polymodal.errors import CheckpointError

CONFIG_FILE = "preprocessor_config.json"


def _size_rule(size: Any, source: str) -> tuple[int, int] | int:
    """``size`` as HF writes it → (height, width), or the shortest edge's length (an int)."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, Mapping):
        if "height" in size and "width" in size:
            return int(size["height"]), int(size["width"])
        if "shortest_edge" in size:
            return int(size["shortest_edge"])
    raise CheckpointError(
        f"{source}: size={size!r} is not supported (expected an int, {{height, width}} or "
        f"{{shortest_edge}})"
    )


class HFImageProcessor:
    """uint8 images → the float tensors a pretrained vision model expects.

    Args:
        path: the model folder holding ``preprocessor_config.json`` (or ``package:<module>``).

    Reads ``do_resize``/``size`` (``{height, width}`` or ``{shortest_edge}``, aspect kept),
    ``do_center_crop``/``crop_size``, ``do_rescale``/``rescale_factor`` and
    ``do_normalize``/``image_mean``/``image_std``. Resizing is an anti-aliased bilinear resize
    (:func:`~polymodal.data.transforms.image.resize`); PIL's bilinear filter differs from it by a
    few intensity levels at edges, which pretrained models tolerate.

    Shapes:
        image: (..., 3, H, W) uint8 → (..., 3, h, w) float32.
    """

    def __init__(self, path: str) -> None:
        folder = check_folder(path, PREPROCESSOR_FILES, "an image preprocessor")
        source = str(folder / CONFIG_FILE)
        try:
            config = json.loads((folder / CONFIG_FILE).read_text())
        except (OSError, ValueError) as error:
            raise CheckpointError(f"{source}: cannot read it as JSON: {error}") from None
        self.path = str(path)
        self.resize_rule = _size_rule(config["size"], source) if config.get("do_resize") else None
        crop = config.get("crop_size") if config.get("do_center_crop") else None
        self.crop: tuple[int, int] | None = None
        if crop is not None:
            value = _size_rule(crop, source)
            if not isinstance(value, tuple):
                raise CheckpointError(f"{source}: crop_size must give height and width")
            self.crop = value
        self.scale = (
            float(config.get("rescale_factor", 1 / 255)) if config.get("do_rescale", True) else 1.0
        )
        self.mean = self.std = None
        if config.get("do_normalize"):
            self.mean = self._channels(config, "image_mean", source)
            self.std = self._channels(config, "image_std", source)

    @staticmethod
    def _channels(config: Mapping[str, Any], key: str, source: str) -> torch.Tensor:
        values = config.get(key)
        if not isinstance(values, Sequence) or len(values) != 3:
            raise CheckpointError(
                f"{source}: {key} must be 3 numbers (one per channel), got {values!r}"
            )
        return torch.tensor([float(v) for v in values], dtype=torch.float32).view(3, 1, 1)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The (height, width) of the processed image for an input of this size."""
        if self.crop is not None:
            return self.crop
        if self.resize_rule is None:
            return height, width
        return self._resized_size(height, width)

    def _resized_size(self, height: int, width: int) -> tuple[int, int]:
        assert self.resize_rule is not None
        value = self.resize_rule
        if isinstance(value, tuple):
            return value
        if height <= width:  # shortest edge: the short side becomes `value`, aspect kept
            return value, int(value * width / height)
        return int(value * height / width), value

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        if image.shape[-3] != 3:
            raise ValueError(f"expected images of shape (..., 3, H, W), got {tuple(image.shape)}")
        pixels = image.to(torch.float32)
        height, width = pixels.shape[-2:]
        if self.resize_rule is not None:
            target = self._resized_size(height, width)
            if target != (height, width):
                pixels = resize(pixels, target)
        if self.crop is not None:
            crop_h, crop_w = self.crop
            height, width = pixels.shape[-2:]
            top, left = max(0, (height - crop_h) // 2), max(0, (width - crop_w) // 2)
            pixels = pixels[..., top : top + crop_h, left : left + crop_w]
        pixels = pixels * self.scale
        if self.mean is not None and self.std is not None:
            pixels = (pixels - self.mean.to(pixels.device)) / self.std.to(pixels.device)
        return pixels
