"""Pixel and cell coordinates as feature channels."""

from __future__ import annotations

import torch


def coordinate_grid(height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """(2, H, W): each position's x and y in [-1, 1], on ``like``'s device and dtype."""
    ys = torch.linspace(-1.0, 1.0, height, device=like.device, dtype=like.dtype)
    xs = torch.linspace(-1.0, 1.0, width, device=like.device, dtype=like.dtype)
    rows, columns = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([columns, rows])


def coordinate_channels(image: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, C + 2, H, W): the pixel's x and y in [-1, 1] appended as channels
    (CoordConv, Liu et al. 2018), so convolutions can tell where a pattern is, not only what
    it is."""
    batch, _, height, width = image.shape
    grid = coordinate_grid(height, width, image).expand(batch, 2, height, width)
    return torch.cat([image, grid], dim=1)
