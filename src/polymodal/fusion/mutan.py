"""MUTAN: multimodal Tucker fusion (Ben-younes et al. 2017, "MUTAN: Multimodal Tucker Fusion
for Visual Question Answering")."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class MUTANFusion(nn.Module):
    """A bilinear interaction in Tucker form, y = ((T_c ×₁ q̃) ×₂ ṽ) ×₃ W_o, whose core
    tensor T_c is itself constrained to rank R (Ben-younes et al. 2017, §3.2–3.3, eq. 9–11):

        q̃ = tanh(W_q q), ṽ = tanh(W_v v),
        z = Σ_{r=1}^{R} (q̃ W_q^{(r)}) ⊙ (ṽ W_v^{(r)}),   y = W_o z.

    MLB is the special case R = 1 with identity factor matrices; the Tucker factors W_q, W_v
    and W_o set the widths (d_q, d_v, D) independently of the interaction's rank.

    Args:
        input_dims: exactly two modality names → widths of their pooled vectors.
        dim: width D of the fused vector.
        hidden_dims: (d_q, d_v), the projected widths of the two inputs (the paper: 310, 310).
        core_dim: width d_o of z (the paper: 510).
        rank: R, the rank of the core tensor (the paper: 10).
        dropout: dropout on the projected inputs and on z.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).

    Parameters: (D_q + 1) d_q + (D_v + 1) d_v + R ((d_q + 1) + (d_v + 1)) d_o + (d_o + 1) D.
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        hidden_dims: tuple[int, int] | list[int] = (310, 310),
        core_dim: int = 510,
        rank: int = 10,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if len(input_dims) != 2:
            raise ValueError(f"MUTANFusion fuses exactly two modalities, got {list(input_dims)}")
        if rank < 1:
            raise ValueError(f"MUTANFusion: rank must be positive, got {rank}")
        if len(hidden_dims) != 2:
            raise ValueError(f"hidden_dims must hold two widths (d_q, d_v), got {hidden_dims}")
        self.input_dims = dict(input_dims)
        (self.first, first_dim), (self.second, second_dim) = self.input_dims.items()
        first_hidden, second_hidden = hidden_dims
        self.first_projection = nn.Linear(first_dim, first_hidden)
        self.second_projection = nn.Linear(second_dim, second_hidden)
        # The R slices of the core, each a pair of projections to d_o, stacked in one layer.
        self.first_core = nn.Linear(first_hidden, rank * core_dim)
        self.second_core = nn.Linear(second_hidden, rank * core_dim)
        self.output = nn.Linear(core_dim, dim)
        self.dropout = nn.Dropout(dropout)
        self.rank, self.core_dim = rank, core_dim
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        first = self.dropout(torch.tanh(self.first_projection(encoded[self.first].pooled)))
        second = self.dropout(torch.tanh(self.second_projection(encoded[self.second].pooled)))
        shape = (-1, self.rank, self.core_dim)
        core = (self.first_core(first).view(shape) * self.second_core(second).view(shape)).sum(1)
        return FusionOutput(pooled=self.output(self.dropout(core)))
