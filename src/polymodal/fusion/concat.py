"""Late fusion by concatenation of pooled vectors."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class ConcatFusion(nn.Module):
    """Concatenates the pooled vectors of each modality and projects them: ReLU(W [z_1; …; z_M]).

    Args:
        input_dims: modality name → width of its pooled vector; sets the concatenation order.
        dim: width D of the fused vector.
        dropout: dropout on the concatenated vector.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    def __init__(self, input_dims: Mapping[str, int], dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.input_dims = dict(input_dims)
        self.dropout = nn.Dropout(dropout)
        self.project = nn.Linear(sum(self.input_dims.values()), dim)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        joined = torch.cat([encoded[name].pooled for name in self.input_dims], dim=-1)
        return FusionOutput(pooled=torch.relu(self.project(self.dropout(joined))))
