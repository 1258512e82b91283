"""Tensor Fusion (Zadeh et al. 2017, "Tensor Fusion Network for Multimodal Sentiment
Analysis")."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput

_OUTER = {2: "bi,bj->bij", 3: "bi,bj,bk->bijk"}


def with_one(vector: torch.Tensor) -> torch.Tensor:
    """(B, D) → (B, D + 1): [1; z] — the appended 1 keeps each modality's own (unimodal) and
    each pair's (bimodal) terms in the outer product next to the trimodal ones."""
    return torch.cat([vector.new_ones(vector.shape[0], 1), vector], dim=-1)


class TensorFusion(nn.Module):
    """The outer product of [1; z_m] over 2 or 3 modalities, flattened, then a projection:
    ReLU(W vec([1; z_1] ⊗ [1; z_2] (⊗ [1; z_3])) + b) (Zadeh et al. 2017, §3.2, eq. 1, and
    the post-fusion layer of §3.3).

    The fused tensor has Π_m (d_m + 1) entries and the projection that many times D weights:
    with the paper's MOSI sizes (32, 32, 128) that is 140,481 features. A warning gives the
    numbers when the product passes ``warn_above``; :class:`~polymodal.fusion.LowRankFusion`
    computes the same kind of function without forming the tensor.

    Args:
        input_dims: two or three modality names → widths of their pooled vectors; the order
            is the order of the outer product.
        dim: width D of the fused vector.
        dropout: dropout on the flattened tensor.
        warn_above: warn when Π_m (d_m + 1) exceeds this.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        dropout: float = 0.0,
        warn_above: int = 100_000,
    ) -> None:
        super().__init__()
        if len(input_dims) not in _OUTER:
            raise ValueError(f"TensorFusion fuses 2 or 3 modalities, got {list(input_dims)}")
        self.input_dims = dict(input_dims)
        self.tensor_size = math.prod(width + 1 for width in input_dims.values())
        if self.tensor_size > warn_above:
            factors = " × ".join(f"({width} + 1)" for width in input_dims.values())
            warnings.warn(
                f"TensorFusion: the fused tensor has {factors} = {self.tensor_size:,} entries "
                f"per sample ({self.tensor_size * 4 / 2**20:.1f} MiB per sample in fp32) and "
                f"its projection to {dim} has {self.tensor_size * dim + dim:,} parameters; "
                "shrink the encoders' widths or use LowRankFusion",
                stacklevel=2,
            )
        self.dropout = nn.Dropout(dropout)
        self.project = nn.Linear(self.tensor_size, dim)
        self.output_dim = dim

    def fused_tensor(self, encoded: Mapping[str, EncoderOutput]) -> torch.Tensor:
        """(B, Π_m (D_m + 1)): the flattened outer product, before the projection."""
        vectors = [with_one(encoded[name].pooled) for name in self.input_dims]
        return torch.einsum(_OUTER[len(vectors)], *vectors).flatten(1)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        fused = self.project(self.dropout(self.fused_tensor(encoded)))
        return FusionOutput(pooled=torch.relu(fused))
