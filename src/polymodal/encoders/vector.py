"""Encoder for one fixed-size feature vector per sample."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput


class VectorEncoder(nn.Module):
    """An MLP over a fixed-size vector — a one-hot question code (Sort-of-CLEVR's original
    11-number encoding), tabular metadata — returned as a single token.

    Args:
        input_dim: length F of the vector.
        dim: width D of the output.
        hidden_dims: widths of hidden layers, each followed by a ReLU (empty: one linear
            layer).

    Shapes:
        vector: (B, F) → tokens (B, 1, D), mask (B, 1), pooled (B, D).
    """

    def __init__(self, input_dim: int, dim: int = 64, hidden_dims: Sequence[int] = ()) -> None:
        super().__init__()
        if input_dim < 1 or dim < 1:
            raise ValueError(f"input_dim and dim must be ≥ 1, got {input_dim} and {dim}")
        widths = [input_dim, *hidden_dims]
        layers: list[nn.Module] = []
        for width_in, width_out in itertools.pairwise(widths):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], dim))
        self.mlp = nn.Sequential(*layers)
        self.input_dim = input_dim
        self.output_dim = dim

    def forward(self, vector: torch.Tensor) -> EncoderOutput:
        if vector.dim() != 2 or vector.shape[1] != self.input_dim:
            raise ValueError(
                f"expected a vector batch of shape (B, {self.input_dim}), got {tuple(vector.shape)}"
            )
        pooled = self.mlp(vector.float())
        mask = torch.ones(pooled.shape[0], 1, dtype=torch.bool, device=pooled.device)
        return EncoderOutput(tokens=pooled[:, None], mask=mask, pooled=pooled)
