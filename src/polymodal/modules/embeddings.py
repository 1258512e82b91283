"""Token embeddings that are not positions: image patches and modality types."""

from __future__ import annotations

from typing import cast

import torch
from torch import nn


class PatchEmbedding(nn.Module):
    """Cuts an image into non-overlapping P×P patches and projects each linearly (ViT):
    a convolution with kernel and stride P.

    With a ``stem`` (a small CNN, e.g. :class:`~polymodal.modules.ConvStem`), the patches are
    cut from the stem's feature map instead of the pixels: the hybrid ViT (Dosovitskiy et al.
    2021, §3.1; Hugging Face's ``ViTHybrid`` also keeps its backbone inside the patch
    embedding). Sizes are still those of the image: a patch then covers S = P × the stem's
    reduction pixels.

    Args:
        patch_size: P.
        in_channels: channels C of the image.
        dim: width D of the patch tokens.
        stem: a module (B, C, H, W) → (B, C', H / r, W / r) with int attributes
            ``in_channels`` (C), ``out_channels`` (C') and ``reduction`` (r).

    Shapes:
        image: (B, C, H, W), H and W divisible by S → (B, (H/S)·(W/S), D), row-major.
    """

    def __init__(
        self, patch_size: int, in_channels: int, dim: int, stem: nn.Module | None = None
    ) -> None:
        super().__init__()
        if patch_size < 1:
            raise ValueError(f"patch_size must be ≥ 1, got {patch_size}")
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.stem = stem
        self.reduction = 1
        features = in_channels
        if stem is not None:
            for attribute in ("in_channels", "out_channels", "reduction"):
                if not isinstance(getattr(stem, attribute, None), int):
                    raise TypeError(
                        f"stem {type(stem).__name__} must have an int attribute {attribute!r} "
                        "(see polymodal.modules.ConvStem)"
                    )
            if stem.in_channels != in_channels:
                raise ValueError(
                    f"stem takes {stem.in_channels} channels but in_channels is {in_channels}"
                )
            # Checked just above to be ints; nn.Module's attribute typing cannot know that.
            self.reduction = cast(int, stem.reduction)
            features = cast(int, stem.out_channels)
        self.projection = nn.Conv2d(features, dim, kernel_size=patch_size, stride=patch_size)

    def grid(self, height: int, width: int) -> tuple[int, int]:
        """(rows, columns) of patches of an image of this size.

        Raises:
            ValueError: naming the image size and the patch size (times the stem's
                reduction, with a stem) when the latter does not divide the former.
        """
        step = self.reduction * self.patch_size
        if height % step or width % step:
            by = f"the patch size {self.patch_size}"
            if self.stem is not None:
                by = f"{step} (the stem's reduction {self.reduction} × {by})"
            raise ValueError(
                f"image size {height}×{width} is not divisible by {by}: choose an image size "
                f"that is a multiple of {step}"
            )
        return height // step, width // step

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        if image.dim() != 4 or image.shape[1] != self.in_channels:
            raise ValueError(
                f"expected images of shape (B, {self.in_channels}, H, W), got {tuple(image.shape)}"
            )
        self.grid(image.shape[-2], image.shape[-1])
        features = image if self.stem is None else self.stem(image)
        return self.projection(features).flatten(2).transpose(1, 2)


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
