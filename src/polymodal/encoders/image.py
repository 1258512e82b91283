"""Convolutional image encoders trained from scratch."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput


def _conv_block(in_channels: int, out_channels: int, norm: str) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=norm == "none")
    ]
    if norm == "batch":
        layers.append(nn.BatchNorm2d(out_channels))
    elif norm == "group":
        layers.append(nn.GroupNorm(min(8, out_channels), out_channels))
    layers += [nn.ReLU(inplace=True), nn.MaxPool2d(2)]
    return nn.Sequential(*layers)


class ConvImageEncoder(nn.Module):
    """A stack of conv-norm-ReLU-maxpool blocks; each cell of the last map is a token.

    Args:
        channels: output channels of each block; each block halves the resolution.
        dim: width D of the tokens and the pooled vector.
        in_channels: channels of the input image.
        norm: ``"batch"``, ``"group"`` (no running statistics) or ``"none"``.
        pooling: how the pooled vector summarises the cells: ``"max"`` or ``"mean"``.

    Shapes:
        image: (B, in_channels, H, W) float → tokens (B, (H/2^k)·(W/2^k), D), pooled (B, D),
        with k = ``len(channels)``.
    """

    def __init__(
        self,
        channels: Sequence[int] = (32, 64, 64, 128),
        dim: int = 128,
        in_channels: int = 3,
        norm: str = "batch",
        pooling: str = "max",
    ) -> None:
        super().__init__()
        if norm not in ("batch", "group", "none"):
            raise ValueError(f"norm must be 'batch', 'group' or 'none', got {norm!r}")
        if pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {pooling!r}")
        if not channels:
            raise ValueError("channels must name at least one block")
        widths = [in_channels, *channels]
        self.blocks = nn.Sequential(
            *(_conv_block(a, b, norm) for a, b in itertools.pairwise(widths))
        )
        self.project = nn.Linear(widths[-1], dim)
        self.pooling = pooling
        self.output_dim = dim

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        features = self.blocks(image)  # (B, C, h, w)
        cells = features.flatten(2).transpose(1, 2)  # (B, h·w, C)
        tokens = self.project(cells)
        pooled = tokens.amax(dim=1) if self.pooling == "max" else tokens.mean(dim=1)
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled)
