"""Position embeddings: learned and sinusoidal for sequences, learned and sinusoidal 2-D for
grids of image patches."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal_table(
    length: int, dim: int, device: torch.device | None = None, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The fixed encoding of Vaswani et al. 2017:
    PE(p, 2i) = sin(p / 10000^(2i/D)), PE(p, 2i+1) = cos(p / 10000^(2i/D)).

    Returns:
        (length, dim).
    """
    if dim % 2:
        raise ValueError(f"a sinusoidal position embedding needs an even width, got {dim}")
    positions = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    frequencies = torch.exp(
        torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim)
    )
    angles = positions * frequencies  # (L, D/2)
    table = torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)  # interleaved
    return table.to(dtype) if dtype is not None else table


class LearnedPositionEmbedding(nn.Module):
    """One learned vector per position, up to ``max_length`` (BERT).

    Shapes:
        forward(length) → (length, D).
    """

    def __init__(self, max_length: int, dim: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.weight = nn.Parameter(torch.empty(max_length, dim))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, length: int) -> torch.Tensor:
        if length > self.max_length:
            raise ValueError(
                f"sequence of length {length} is longer than the {self.max_length} positions "
                "this embedding has (max_length)"
            )
        return self.weight[:length]


class SinusoidalPositionEmbedding(nn.Module):
    """The fixed sinusoidal encoding for any length (no parameters).

    Shapes:
        forward(length) → (length, D).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"a sinusoidal position embedding needs an even width, got {dim}")
        self.dim = dim

    def forward(
        self, length: int, device: torch.device | None = None, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        return sinusoidal_table(length, self.dim, device, dtype)


class LearnedPatchPositionEmbedding(nn.Module):
    """A learned vector per patch of a (rows, columns) grid, plus one per prefix token (CLS).

    For another grid size (another image size) the grid of vectors is resized by bicubic
    interpolation, so a model trained at one resolution runs at another (as in ViT
    fine-tuning at higher resolution, Dosovitskiy et al. 2021, §3.2).

    Args:
        grid: (rows, columns) of patches at the native image size.
        dim: width D.
        num_prefix_tokens: positions before the patches (the CLS token), never interpolated.

    Shapes:
        forward(rows, columns) → (1, num_prefix_tokens + rows·columns, D).
    """

    def __init__(self, grid: tuple[int, int], dim: int, num_prefix_tokens: int = 1) -> None:
        super().__init__()
        self.grid = (int(grid[0]), int(grid[1]))
        self.num_prefix_tokens = num_prefix_tokens
        self.weight = nn.Parameter(torch.empty(1, num_prefix_tokens + grid[0] * grid[1], dim))
        nn.init.trunc_normal_(self.weight, std=0.02)

    def forward(self, rows: int, columns: int) -> torch.Tensor:
        if (rows, columns) == self.grid:
            return self.weight
        prefix = self.weight[:, : self.num_prefix_tokens]
        patches = self.weight[:, self.num_prefix_tokens :]
        dim = patches.shape[-1]
        grid = patches.reshape(1, *self.grid, dim).permute(0, 3, 1, 2)  # (1, D, rows, cols)
        resized = F.interpolate(grid, size=(rows, columns), mode="bicubic", align_corners=False)
        return torch.cat([prefix, resized.permute(0, 2, 3, 1).reshape(1, -1, dim)], dim=1)


def sinusoidal_grid_table(
    rows: int, columns: int, dim: int, device: torch.device | None = None
) -> torch.Tensor:
    """Fixed 2-D encoding: the first half of the width encodes the row, the second half the
    column, each with :func:`sinusoidal_table` (as in MAE, He et al. 2022).

    Returns:
        (rows·columns, dim), row-major like the patches.
    """
    if dim % 4:
        raise ValueError(
            f"a 2-D sinusoidal position embedding needs a width divisible by 4, got {dim}"
        )
    row_table = sinusoidal_table(rows, dim // 2, device)
    column_table = sinusoidal_table(columns, dim // 2, device)
    return torch.cat(
        [
            row_table[:, None, :].expand(rows, columns, -1),
            column_table[None, :, :].expand(rows, columns, -1),
        ],
        dim=-1,
    ).reshape(rows * columns, dim)


class SinusoidalPatchPositionEmbedding(nn.Module):
    """Fixed 2-D sinusoidal positions for any grid of patches (no parameters).

    Shapes:
        forward(rows, columns) → (rows·columns, D).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim % 4:
            raise ValueError(
                f"a 2-D sinusoidal position embedding needs a width divisible by 4, got {dim}"
            )
        self.dim = dim

    def forward(self, rows: int, columns: int, device: torch.device | None = None) -> torch.Tensor:
        return sinusoidal_grid_table(rows, columns, self.dim, device)
