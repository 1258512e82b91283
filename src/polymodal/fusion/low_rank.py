"""Low-rank Multimodal Fusion (Liu et al. 2018, "Efficient Low-rank Multimodal Fusion with
Modality-Specific Factors")."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.fusion.tensor import with_one


class LowRankFusion(nn.Module):
    """Tensor fusion with the weight tensor in rank-R CP form, computed without forming the
    outer product (Liu et al. 2018, §3.2, eq. 6):

        h = Σ_{i=1}^{R} λ_i Π_m ([1; z_m] W_m^{(i)}) + b,

    with one factor W_m: (R, D_m + 1, D) per modality, rank weights λ: (R,) and bias b: (D).
    This equals :class:`~polymodal.fusion.TensorFusion`'s linear layer with weight
    Σ_i λ_i ⊗_m W_m^{(i)}, at a cost linear in the number of modalities. Every factor is a
    registered parameter (``factors.<modality>``), so optimizers, ``state_dict`` and devices
    see them.

    Args:
        input_dims: modality name → width of its pooled vector (any number ≥ 2).
        dim: width D of the fused vector.
        rank: the rank R (a positive integer; the paper found 4 enough on MOSI).
        dropout: dropout on each z_m (before the 1 is appended).

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).

    Parameters: R · Σ_m (D_m + 1) · D + R + D.
    """

    def __init__(
        self, input_dims: Mapping[str, int], dim: int, rank: int, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"LowRankFusion: rank must be a positive integer, got {rank!r}")
        if len(input_dims) < 2:
            raise ValueError(f"LowRankFusion fuses two or more modalities, got {input_dims}")
        self.input_dims = dict(input_dims)
        self.rank = rank
        self.factors = nn.ParameterDict(
            {
                name: nn.Parameter(nn.init.xavier_normal_(torch.empty(rank, width + 1, dim)))
                for name, width in input_dims.items()
            }
        )
        self.rank_weights = nn.Parameter(nn.init.xavier_normal_(torch.empty(1, rank)).view(rank))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.dropout = nn.Dropout(dropout)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        product: torch.Tensor | None = None
        for name, factor in self.factors.items():
            extended = with_one(self.dropout(encoded[name].pooled))  # (B, D_m + 1)
            projected = torch.einsum("bi,rid->brd", extended, factor)  # (B, R, D)
            product = projected if product is None else product * projected
        assert product is not None
        fused = torch.einsum("r,brd->bd", self.rank_weights, product) + self.bias
        return FusionOutput(pooled=fused)
