"""Coordinate channels for images ("CoordConv", Liu et al. 2018, "An intriguing failing of
convolutional neural networks and the CoordConv solution").

A convolutional encoder whose features are max- or mean-pooled cannot tell where in the
image something was: its features are the same wherever the object stands. Two extra
channels holding each pixel's column and row give it that information, which spatial
questions ("is the red thing left of the blue one?") need.
"""

from __future__ import annotations

import torch


class AddCoordinates:
    """Appends two channels to an image: the pixel's column and row, as ramps from 0 (left,
    top) to the image's maximum value (right, bottom): 255 for uint8 images, 1 for float.

    Use it as the image's per-sample transform (``transforms: {image: ...}``), so it runs
    after augmentation — the ramps describe the augmented image's frame — and give the batch
    transform and the encoder five channels (``ImageToTensor`` with five means and stds,
    ``in_channels: 5``).

    Shapes:
        image: (..., C, H, W) → (..., C + 2, H, W), same dtype.
    """

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        if not isinstance(image, torch.Tensor) or image.dim() < 3:
            raise ValueError("AddCoordinates expects an image tensor of shape (..., C, H, W)")
        height, width = image.shape[-2:]
        top = 1.0 if image.is_floating_point() else 255.0
        columns = torch.linspace(0.0, top, width, device=image.device).expand(height, width)
        rows = (
            torch.linspace(0.0, top, height, device=image.device).unsqueeze(1).expand(height, width)
        )
        ramps = (
            torch.stack([columns, rows]).round() if top == 255.0 else torch.stack([columns, rows])
        )
        ramps = ramps.to(image.dtype).expand(*image.shape[:-3], 2, height, width)
        return torch.cat([image, ramps], dim=-3)
