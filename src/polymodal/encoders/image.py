"""Convolutional image encoders trained from scratch."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from polymodal.encoders.coordinates import coordinate_channels, coordinate_grid
from polymodal.encoders.ink_centroids import InkCentroids
from polymodal.encoders.output import EncoderOutput

DOWNSAMPLING = ("max", "stride", "none")


def _conv_block(in_channels: int, out_channels: int, norm: str, downsample: str) -> nn.Sequential:
    """3×3 convolution, norm, ReLU; ``downsample`` halves the resolution by a stride of 2 or a
    2×2 max-pooling after the ReLU, or (``"none"``) keeps it."""
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


class ConvImageEncoder(nn.Module):
    """A stack of conv-norm-ReLU blocks that each halve the resolution (by 2×2 max-pooling or
    a stride-2 convolution) or keep it; each cell of the last map is a token.

    Args:
        channels: output channels of each block.
        dim: width D of the tokens and the pooled vector.
        in_channels: channels of the input image.
        norm: ``"batch"``, ``"group"`` (no running statistics) or ``"none"``.
        pooling: how the pooled vector summarises the cells: ``"max"`` or ``"mean"``.
        downsample: how each block halves the resolution: ``"max"`` (3×3 convolution, then
            2×2 max-pooling: H/2 rounded down) or ``"stride"`` (stride-2 3×3 convolution, as
            the Relation Network's CNN: H/2 rounded up, a quarter of the convolution cost);
            ``"none"`` keeps it. One value for every block, or one per block (``[stride,
            stride, none]``: a wider view for each cell of a finer map).
        coordinates: append each pixel's (x, y) as two input channels (CoordConv), so tokens
            can say where in their cell an object is — needed to compare distances between
            objects finer than the grid.
        cell_coordinates: append each cell's (x, y) to its features before the projection,
            so every token says where its cell is, as a ViT's position embedding does — for
            fusions that do not add positions themselves (cross-attention).
        cell_radius: with ``cell_coordinates``, append the cell's x² + y² too. A dot product
            between a query holding a place a and keys linear in (x, y, x² + y²) can then be
            −|a − c|² up to a constant — the squared distance that *closest* and *furthest*
            rank by; with (x, y) alone it can only rank cells by how far they lie along a
            direction.
        cell_centroids: with ``cell_coordinates``, each cell's (x, y) is where the content
            around it lies — the centroid of a learned ink map over a window two cells wide
            (:class:`~polymodal.encoders.ink_centroids.InkCentroids`) — instead of the cell's
            centre: positions finer than the grid.

    Shapes:
        image: (B, in_channels, H, W) float → tokens (B, (H/2^k)·(W/2^k), D), pooled (B, D),
        with k the number of blocks that downsample (rounded up with ``"stride"``); with
        ``cell_coordinates``, positions (B, (H/2^k)·(W/2^k), 2): each cell's (x, y).
    """

    def __init__(
        self,
        channels: Sequence[int] = (32, 64, 64, 128),
        dim: int = 128,
        in_channels: int = 3,
        norm: str = "batch",
        pooling: str = "max",
        downsample: str | Sequence[str] = "max",
        coordinates: bool = False,
        cell_coordinates: bool = False,
        cell_radius: bool = False,
        cell_centroids: bool = False,
    ) -> None:
        super().__init__()
        if norm not in ("batch", "group", "none"):
            raise ValueError(f"norm must be 'batch', 'group' or 'none', got {norm!r}")
        if pooling not in ("max", "mean"):
            raise ValueError(f"pooling must be 'max' or 'mean', got {pooling!r}")
        if not channels:
            raise ValueError("channels must name at least one block")
        per_block = [downsample] * len(channels) if isinstance(downsample, str) else downsample
        if len(per_block) != len(channels):
            raise ValueError(
                f"downsample names {len(per_block)} blocks, channels {len(channels)}: give one "
                "value, or one per block"
            )
        for value in per_block:
            if value not in DOWNSAMPLING:
                raise ValueError(f"downsample must be one of {DOWNSAMPLING}, got {value!r}")
        self.coordinates = coordinates
        widths = [in_channels + (2 if coordinates else 0), *channels]
        self.blocks = nn.Sequential(
            *(
                _conv_block(a, b, norm, step)
                for (a, b), step in zip(itertools.pairwise(widths), per_block, strict=True)
            )
        )
        for name, wanted in (("cell_radius", cell_radius), ("cell_centroids", cell_centroids)):
            if wanted and not cell_coordinates:
                raise ValueError(f"{name}=True needs cell_coordinates=True")
        self.cell_coordinates, self.cell_radius = cell_coordinates, cell_radius
        self.centroids = InkCentroids(in_channels) if cell_centroids else None
        cell_extra = (3 if cell_radius else 2) if cell_coordinates else 0
        self.project = nn.Linear(widths[-1] + cell_extra, dim)
        self.pooling = pooling
        self.output_dim = dim

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        features = self.blocks(coordinate_channels(image) if self.coordinates else image)
        positions = None
        if self.cell_coordinates:  # (B, C, h, w) → (B, C + 2 or 3, h, w)
            places = self._cell_places(image, features)
            features = torch.cat([features, places], dim=1)
            positions = places[:, :2].flatten(2).transpose(1, 2)  # (B, h·w, 2)
        cells = features.flatten(2).transpose(1, 2)  # (B, h·w, C)
        tokens = self.project(cells)
        pooled = tokens.amax(dim=1) if self.pooling == "max" else tokens.mean(dim=1)
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled, positions=positions)

    def _cell_places(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """(B, 2, h, w) each cell's (x, y) — its centre, or its ink centroid — then x² + y²
        as a third channel with ``cell_radius``."""
        batch, _, height, width = features.shape
        if self.centroids is None:
            places = coordinate_grid(height, width, features).expand(batch, 2, height, width)
        else:
            places = self.centroids(image, (height, width))
        if self.cell_radius:
            places = torch.cat([places, places.square().sum(dim=1, keepdim=True)], dim=1)
        return places
