"""Image transforms on tensors (no torchvision needed)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ImageToTensor:
    """uint8 image → float, resized and normalised: (x/255 − mean) / std.

    Args:
        size: output side (square) or (height, width); ``None`` keeps the input size.
        mean: per-channel mean subtracted after scaling to [0, 1].
        std: per-channel standard deviation divided by.

    Works on one image or a batch, so it can run per sample or on collated batches on the
    accelerator (``batch_transforms``).

    Shapes:
        image: (..., 3, H, W) uint8 → (..., 3, size, size) float32.
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        mean: Sequence[float] = (0.5, 0.5, 0.5),
        std: Sequence[float] = (0.5, 0.5, 0.5),
    ) -> None:
        self.size: tuple[int, int] | None = None
        if isinstance(size, int):
            self.size = (size, size)
        elif size is not None:
            height, width = size
            self.size = (int(height), int(width))
        self.mean = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        pixels = image.to(torch.float32) / 255.0
        mean, std = self.mean.to(pixels.device), self.std.to(pixels.device)
        if self.size is not None and tuple(pixels.shape[-2:]) != self.size:
            pixels = resize(pixels, self.size)
        return (pixels - mean) / std


def resize(pixels: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(..., C, H, W) float → (..., C, *size).

    Shrinking by a whole factor averages blocks (an exact box filter, several times cheaper than
    an anti-aliased bilinear resize); anything else is an anti-aliased bilinear resize.
    """
    leading = pixels.shape[:-3]
    pixels = pixels.reshape(-1, *pixels.shape[-3:])
    height, width = pixels.shape[-2:]
    factor_h, factor_w = height // size[0], width // size[1]
    if factor_h * size[0] == height and factor_w * size[1] == width and min(factor_h, factor_w) > 1:
        resized = F.avg_pool2d(pixels, (factor_h, factor_w))
    else:
        resized = F.interpolate(
            pixels, size=size, mode="bilinear", antialias=True, align_corners=False
        )
    return resized.reshape(*leading, *resized.shape[-3:])
