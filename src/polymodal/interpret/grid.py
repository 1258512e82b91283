"""Where an image encoder's tokens sit on the image: the grid of patches or feature-map cells."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

# How far a candidate grid's aspect ratio may stray from the image's (in log ratio): a conv
# stack that floors odd sizes gives e.g. 12×7 cells for a 50×30 image.
_ASPECT_TOLERANCE = 0.25


@dataclass(frozen=True)
class TokenGrid:
    """Image tokens laid out as ``rows × columns`` cells in row-major order, after ``prefix``
    tokens that belong to no cell (a ViT's CLS token).

    Attributes:
        rows: cells from top to bottom.
        columns: cells from left to right.
        prefix: tokens before the first cell.
    """

    rows: int
    columns: int
    prefix: int = 0

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.rows * self.columns

    def cells(self, tokens: torch.Tensor, dim: int = 1) -> torch.Tensor:
        """The grid's tokens along ``dim``, without the prefix.

        Shapes:
            tokens: (..., N, ...) → (..., rows·columns, ...).
        """
        if tokens.shape[dim] < self.prefix + self.size:
            raise ValueError(
                f"{tokens.shape[dim]} tokens cannot hold a {self.prefix}-token prefix and a "
                f"{self.rows}×{self.columns} grid"
            )
        return tokens.narrow(dim, self.prefix, self.size)


def infer_grid(num_tokens: int, image_size: tuple[int, int]) -> TokenGrid:
    """The grid of ``num_tokens`` image tokens whose shape best matches the image's.

    Tries no prefix and a one-token prefix, and every factorisation rows × columns of the rest;
    keeps the one whose aspect ratio is closest to the image's (no prefix on ties).

    Args:
        num_tokens: N, the encoder's token count for this image.
        image_size: (H, W) of the image the encoder saw.

    Raises:
        ValueError: no factorisation has the image's aspect ratio (pass the grid explicitly).
    """
    height, width = image_size
    target = math.log(height / width)
    best: tuple[float, TokenGrid] | None = None
    for prefix in (0, 1):
        cells = num_tokens - prefix
        for rows in range(1, cells + 1):
            if cells % rows:
                continue
            gap = abs(math.log(rows / (cells // rows)) - target)
            if best is None or gap < best[0] - 1e-9:
                best = (gap, TokenGrid(rows, cells // rows, prefix))
    if best is None or best[0] > _ASPECT_TOLERANCE:
        raise ValueError(
            f"cannot lay {num_tokens} image tokens on a grid shaped like a {height}×{width} "
            "image; pass the encoder's TokenGrid explicitly"
        )
    return best[1]


def encoder_grid(encoder: nn.Module, image: torch.Tensor, num_tokens: int) -> TokenGrid:
    """The token grid of ``encoder`` for ``image``: a ViT's patch grid after its CLS token, or
    the grid inferred from the token count (a CNN's last feature map).

    Args:
        encoder: the image encoder.
        image: (B, C, H, W) — the model's input.
        num_tokens: N, the number of tokens the encoder returned.
    """
    height, width = int(image.shape[-2]), int(image.shape[-1])
    patches = getattr(encoder, "patch_embedding", None)
    if patches is not None and callable(getattr(patches, "grid", None)):
        rows, columns = patches.grid(height, width)
        return TokenGrid(int(rows), int(columns), num_tokens - int(rows) * int(columns))
    return infer_grid(num_tokens, (height, width))
