"""Where, finer than the grid, the content near each cell of a feature map lies."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from polymodal.encoders.coordinates import coordinate_grid

#: Ink mass added at each window's centre: a window with (almost) no ink gives its own centre
#: instead of dividing by zero.
EMPTY = 1e-3


class InkCentroids(nn.Module):
    """For each cell of an h×w map over an H×W image: the centroid (x, y) in [-1, 1] of the
    "ink" in a window two cells wide around it — ink = sigmoid(1×1 convolution of the pixel),
    learned, initialised to mark pixels darker than white.

    A cell's centre is only as precise as the grid (7.5 pixels on a 10×10 map of a 75-pixel
    image); an object's pixels say where it is to a fraction of a pixel. A window two cells
    wide holds the whole of a cell-sized object around the cell's centre, so the cells an
    object covers carry its centroid, which attention can compare in distance to another
    object's far more finely than cell centres allow. Empty windows give their own centre.

    Args:
        in_channels: channels of the image.

    Shapes:
        image: (B, in_channels, H, W) normalised to [-1, 1] (white = 1), size (h, w) →
        (B, 2, h, w).
    """

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.ink = nn.Conv2d(in_channels, 1, kernel_size=1)
        # White (all channels 1) → sigmoid(4 − 6) = 0.12, a saturated colour → ≥ 0.88.
        assert self.ink.bias is not None
        nn.init.constant_(self.ink.weight, -2.0)
        nn.init.constant_(self.ink.bias, 4.0)

    def forward(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        batch, _, height, width = image.shape
        strides = (max(1, round(height / size[0])), max(1, round(width / size[1])))
        kernel = tuple(2 * s - 1 for s in strides)
        padding = tuple(s - 1 for s in strides)

        def window_mean(values: torch.Tensor) -> torch.Tensor:
            return F.avg_pool2d(values, kernel, strides, padding, count_include_pad=False)

        grid = coordinate_grid(height, width, image)[None]  # (1, 2, H, W)
        ink = torch.sigmoid(self.ink(image))  # (B, 1, H, W)
        moments = window_mean(ink * grid)  # (B, 2, h', w')
        mass = window_mean(ink)  # (B, 1, h', w')
        centres = window_mean(grid).expand(batch, -1, -1, -1)
        centroids = (moments + EMPTY * centres) / (mass + EMPTY)
        if centroids.shape[-2:] != tuple(size):  # max-pooling maps round down, strides up
            centroids = F.interpolate(centroids, size=size, mode="bilinear", align_corners=True)
        return centroids
