"""Token embeddings that are not positions: image patches and modality types."""

from __future__ import annotations

import torch
from torch import nn


class PatchEmbedding(nn.Module):
    """Cuts an image into non-overlapping P×P patches and projects each linearly (ViT):
    a convolution with kernel and stride P.

    Args:
        patch_size: P.
        in_channels: channels C of the image.
        dim: width D of the patch tokens.

    Shapes:
        image: (B, C, H, W), H and W divisible by P → (B, (H/P)·(W/P), D), row-major.
    """

    def __init__(self, patch_size: int, in_channels: int, dim: int) -> None:
        super().__init__()
        if patch_size < 1:
            raise ValueError(f"patch_size must be ≥ 1, got {patch_size}")
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.projection = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)

    def grid(self, height: int, width: int) -> tuple[int, int]:
        """(rows, columns) of patches of an image of this size."""
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(
                f"image size {height}×{width} is not divisible by the patch size "
                f"{self.patch_size}: choose an image size that is a multiple of {self.patch_size}"
            )
        return height // self.patch_size, width // self.patch_size

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        if image.dim() != 4 or image.shape[1] != self.in_channels:
            raise ValueError(
                f"expected images of shape (B, {self.in_channels}, H, W), got {tuple(image.shape)}"
            )
        self.grid(image.shape[-2], image.shape[-1])
        return self.projection(image).flatten(2).transpose(1, 2)


class ModalityTypeEmbedding(nn.Module):
    """A learned vector per modality, added to all of its tokens, so that one transformer over
    a concatenation of modalities knows which token came from where (VisualBERT's segment
    embedding, ViLT's modal-type embedding).

    Args:
        num_types: number of modalities.
        dim: width D.

    Shapes:
        tokens: (B, N, D), type_index: int → (B, N, D).
    """

    def __init__(self, num_types: int, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_types, dim))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, tokens: torch.Tensor, type_index: int) -> torch.Tensor:
        if not 0 <= type_index < self.weight.shape[0]:
            raise IndexError(
                f"modality type {type_index} out of range: {self.weight.shape[0]} types"
            )
        return tokens + self.weight[type_index]
