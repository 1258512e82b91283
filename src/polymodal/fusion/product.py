"""Element-wise (Hadamard) product fusion."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class ProductFusion(nn.Module):
    """Projects each modality to a common width and multiplies element-wise:
    Π_m tanh(W_m z_m) — the multiplicative fusion of classic VQA baselines (Antol et al. 2015).

    A product lets one modality gate the other's features (the question selects which image
    features matter), which a sum or concatenation followed by one linear layer cannot.

    Args:
        input_dims: modality name → width of its pooled vector.
        dim: width D of the fused vector.
        dropout: dropout on the fused vector.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    def __init__(self, input_dims: Mapping[str, int], dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        if len(input_dims) < 2:
            raise ValueError(f"ProductFusion needs at least two modalities, got {list(input_dims)}")
        self.input_dims = dict(input_dims)
        self.projections = nn.ModuleDict({m: nn.Linear(d, dim) for m, d in input_dims.items()})
        self.dropout = nn.Dropout(dropout)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        fused: torch.Tensor | None = None
        for name, projection in self.projections.items():
            projected = torch.tanh(projection(encoded[name].pooled))
            fused = projected if fused is None else fused * projected
        assert fused is not None
        return FusionOutput(pooled=self.dropout(fused))
