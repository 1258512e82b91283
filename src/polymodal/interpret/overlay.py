"""Drawing a heatmap over its image, as an RGB array (no figure, no display)."""

from __future__ import annotations

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F


def upsample(heatmap: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(h, w) heatmap → (H, W), bilinear, stretched to [0, 1] between its minimum and maximum.

    Stretching shows where a nearly uniform attention map leans; a constant map becomes all
    zeros (nothing stands out), never all ones.
    """
    grid = heatmap.detach().float().cpu()[None, None]
    resized = F.interpolate(grid, size=size, mode="bilinear", align_corners=False)[0, 0]
    low, high = float(resized.min()), float(resized.max())
    if high - low <= 1e-12 * max(1.0, abs(high)):
        return torch.zeros_like(resized)
    return (resized - low) / (high - low)


def to_rgb_array(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) or (1, H, W) uint8 image → (H, W, 3) uint8 array."""
    if image.dim() != 3 or image.dtype != torch.uint8:
        raise ValueError(
            f"expected a (C, H, W) uint8 image, got {tuple(image.shape)} {image.dtype}"
        )
    pixels = image.detach().cpu()
    if pixels.shape[0] == 1:
        pixels = pixels.expand(3, -1, -1)
    return np.ascontiguousarray(pixels[:3].permute(1, 2, 0).numpy())


def overlay(
    image: torch.Tensor,
    heatmap: torch.Tensor,
    alpha: float = 0.5,
    colormap: str = "jet",
    scale: int = 1,
) -> np.ndarray:
    """Blends a coloured heatmap over an image.

    Args:
        image: (3, H, W) uint8 — the raw image.
        heatmap: (h, w) — cells of any grid over the image; upsampled to H × W and stretched
            to [0, 1] (see :func:`upsample`).
        alpha: weight of the heatmap colour where the heatmap is at its maximum; it fades with
            the heatmap's value, so cold cells leave the image visible.
        colormap: a matplotlib colormap name.
        scale: enlarge the result by this whole factor (nearest neighbour), for small images.

    Returns:
        (H·scale, W·scale, 3) uint8.
    """
    pixels = to_rgb_array(image).astype(np.float32) / 255.0
    height, width = pixels.shape[:2]
    values = upsample(heatmap, (height, width)).numpy()
    colours = matplotlib.colormaps[colormap](values)[..., :3].astype(np.float32)
    weight = alpha * (0.35 + 0.65 * values)[..., None]
    blended = (1.0 - weight) * pixels + weight * colours
    result = np.clip(np.rint(blended * 255.0), 0, 255).astype(np.uint8)
    return enlarge(result, scale)


def enlarge(pixels: np.ndarray, scale: int) -> np.ndarray:
    """(H, W, 3) → (H·scale, W·scale, 3), nearest neighbour."""
    if scale < 1:
        raise ValueError(f"scale must be ≥ 1, got {scale}")
    return pixels if scale == 1 else pixels.repeat(scale, axis=0).repeat(scale, axis=1)
