"""Convolutional image encoders trained from scratch."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput

DOWNSAMPLING = ("max", "stride")


def _conv_block(in_channels: int, out_channels: int, norm: str, downsample: str) -> nn.Sequential:
    stride = 2 if downsample == "stride" else 1
    layers: list[nn.Module] = [
        nn.Conv2d(
            in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=norm == "none"
        )
    ]
    if norm == "batch":
        layers.append(nn.BatchNorm2d(out_channels))
    elif norm == "group":
        layers.append(nn.GroupNorm(min(8, out_channels), out_channels))
    layers.append(nn.ReLU(inplace=True))
    if downsample == "max":
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def coordinate_channels(image: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, C + 2, H, W): the pixel's x and y in [-1, 1] appended as channels
    (CoordConv, Liu et al. 2018), so convolutions can tell where a pattern is, not only what
    it is."""
    batch, _, height, width = image.shape
    ys = torch.linspace(-1.0, 1.0, height, device=image.device, dtype=image.dtype)
    xs = torch.linspace(-1.0, 1.0, width, device=image.device, dtype=image.dtype)
    rows, columns = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([columns, rows]).expand(batch, 2, height, width)
    return torch.cat([image, grid], dim=1)


class ConvImageEncoder(nn.Module):
    """A stack of conv-norm-ReLU blocks that each halve the resolution (by 2×2 max-pooling or
    a stride-2 convolution); each cell of the last map is a token.

    Args:
        channels: output channels of each block; each block halves the resolution.
        dim: width D of the tokens and the pooled vector.
        in_channels: channels of the input image.
        norm: ``"batch"``, ``"group"`` (no running statistics) or ``"none"``.
        pooling: how the pooled vector summarises the cells: ``"max"`` or ``"mean"``.
        downsample: ``"max"`` (3×3 convolution, then 2×2 max-pooling: H/2 rounded down) or
            ``"stride"`` (stride-2 3×3 convolution, as the Relation Network's CNN: H/2 rounded
            up, a quarter of the convolution cost).
        coordinates: append each pixel's (x, y) as two input channels (CoordConv), so tokens
            can say where in their cell an object is — needed to compare distances between
            objects finer than the grid.
        cell_coordinates: append each cell's (x, y) to its features before the projection,
            so every token says where its cell is, as a ViT's position embedding does — for
            fusions that do not add positions themselves (cross-attention).

    Shapes:
        image: (B, in_channels, H, W) float → tokens (B, (H/2^k)·(W/2^k), D), pooled (B, D),
        with k = ``len(channels)`` (rounded up with ``downsample="stride"``).
    """

    def __init__(
        self,
        channels: Sequence[int] = (32, 64, 64, 128),
        dim: int = 128,
        in_channels: int = 3,
        norm: str = "batch",
        pooling: str = "max",
        downsample: str = "max",
        coordinates: bool = False,
        cell_coordinates: bool = False,
    ) -> None:
        super().__init__()
        if norm not in ("batch", "group", "none"):
            raise ValueError(f"norm must be 'batch', 'group' or 'none', got {norm!r}")
        if pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {pooling!r}")
        if downsample not in DOWNSAMPLING:
            raise ValueError(f"downsample must be one of {DOWNSAMPLING}, got {downsample!r}")
        if not channels:
            raise ValueError("channels must name at least one block")
        self.coordinates = coordinates
        widths = [in_channels + (2 if coordinates else 0), *channels]
        self.blocks = nn.Sequential(
            *(_conv_block(a, b, norm, downsample) for a, b in itertools.pairwise(widths))
        )
        self.cell_coordinates = cell_coordinates
        self.project = nn.Linear(widths[-1] + (2 if cell_coordinates else 0), dim)
        self.pooling = pooling
        self.output_dim = dim

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        if self.coordinates:
            image = coordinate_channels(image)
        features = self.blocks(image)  # (B, C, h, w)
        if self.cell_coordinates:
            features = coordinate_channels(features)  # (B, C + 2, h, w)
        cells = features.flatten(2).transpose(1, 2)  # (B, h·w, C)
        tokens = self.project(cells)
        pooled = tokens.amax(dim=1) if self.pooling == "max" else tokens.mean(dim=1)
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled)
