"""A small convolutional stem, for hybrid vision transformers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn


class ConvStem(nn.Module):
    """conv3×3 → norm → ReLU → 2×2 max-pool blocks, turning an image into a feature map that a
    ViT cuts into patches instead of raw pixels — the "hybrid" ViT of Dosovitskiy et al. 2021
    (§3.1). Convolutions bring locality and translation equivariance, which a ViT trained from
    scratch on a few thousand images otherwise has to learn from data (slowly).

    Args:
        channels: output channels of each block; each block halves the resolution.
        in_channels: image channels.
        norm: ``"batch"``, ``"group"`` (no running statistics) or ``"none"``.

    Attributes:
        out_channels: channels of the feature map.
        reduction: how many times smaller its sides are than the image's (2 ** blocks).

    Shapes:
        image: (B, in_channels, H, W) → (B, out_channels, H / reduction, W / reduction).
    """

    def __init__(
        self, channels: Sequence[int] = (32, 64), in_channels: int = 3, norm: str = "batch"
    ) -> None:
        super().__init__()
        if not channels:
            raise ValueError("channels must name at least one block")
        if norm not in ("batch", "group", "none"):
            raise ValueError(f"norm must be 'batch', 'group' or 'none', got {norm!r}")
        blocks: list[nn.Module] = []
        for a, b in itertools.pairwise([in_channels, *channels]):
            blocks.append(nn.Conv2d(a, b, kernel_size=3, padding=1, bias=norm == "none"))
            if norm == "batch":
                blocks.append(nn.BatchNorm2d(b))
            elif norm == "group":
                blocks.append(nn.GroupNorm(min(8, b), b))
            blocks += [nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        self.blocks = nn.Sequential(*blocks)
        self.in_channels = in_channels
        self.out_channels = int(channels[-1])
        self.reduction = 2 ** len(channels)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.blocks(image)
