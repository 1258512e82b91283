"""Multimodal Low-rank Bilinear pooling (Kim et al. 2017, "Hadamard Product for Low-rank
Bilinear Pooling")."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class MLBFusion(nn.Module):
    """Low-rank bilinear pooling: f = Pᵀ (tanh(Uᵀ x) ⊙ tanh(Vᵀ y)) + b (Kim et al. 2017,
    eq. 4 with the tanh non-linearities of §3 and their VQA model).

    A full bilinear map xᵀ W_k y needs D_x · D_y weights per output; factorising each W_k as
    U diag(P_k) Vᵀ of rank d (the Hadamard product's width) keeps every multiplicative
    interaction of a projected x with a projected y at (D_x + D_y + D) · d weights.

    Args:
        input_dims: exactly two modality names → widths of their pooled vectors.
        dim: width D of the fused vector.
        rank: the joint embedding width d (the paper: 1,200).
        dropout: dropout on each input and on the Hadamard product.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).

    Parameters: (D_x + 1) d + (D_y + 1) d + (d + 1) D.
    """

    def __init__(
        self, input_dims: Mapping[str, int], dim: int, rank: int = 1200, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if len(input_dims) != 2:
            raise ValueError(f"MLBFusion fuses exactly two modalities, got {list(input_dims)}")
        if rank < 1:
            raise ValueError(f"MLBFusion: rank must be positive, got {rank}")
        self.input_dims = dict(input_dims)
        (self.first, first_dim), (self.second, second_dim) = self.input_dims.items()
        self.first_projection = nn.Linear(first_dim, rank)
        self.second_projection = nn.Linear(second_dim, rank)
        self.output = nn.Linear(rank, dim)
        self.dropout = nn.Dropout(dropout)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        first = torch.tanh(self.first_projection(self.dropout(encoded[self.first].pooled)))
        second = torch.tanh(self.second_projection(self.dropout(encoded[self.second].pooled)))
        return FusionOutput(pooled=self.output(self.dropout(first * second)))
