"""Early fusion: token-level concatenation of aligned sequences."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.pooling import masked_mean


class EarlyConcatFusion(nn.Module):
    """Concatenates the modalities' features at every time step and projects them:
    t_k = ReLU(W [x_1,k; …; x_M,k]), the "early fusion" of word-aligned multimodal sentiment
    data (e.g. the EF-LSTM baseline of Zadeh et al. 2017, "Tensor Fusion Network for
    Multimodal Sentiment Analysis", §5; Baltrušaitis et al. 2019's taxonomy).

    The sequences must be aligned: the same length and the same real positions in every
    modality (CMU-MOSI's word-aligned features are); unaligned streams need an attention
    fusion instead.

    Args:
        input_dims: modality name → token width; sets the concatenation order.
        dim: width D of the fused tokens.
        dropout: dropout on the concatenated tokens.

    Shapes:
        encoded[m].tokens: (B, T, D_m), encoded[m].mask: (B, T) → tokens (B, T, D),
        mask (B, T), pooled (B, D) (mean over real steps).
    """

    def __init__(self, input_dims: Mapping[str, int], dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        if not input_dims:
            raise ValueError("EarlyConcatFusion needs at least one modality in input_dims")
        self.input_dims = dict(input_dims)
        self.dropout = nn.Dropout(dropout)
        self.project = nn.Linear(sum(self.input_dims.values()), dim)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        names = list(self.input_dims)
        first = encoded[names[0]]
        for name in names[1:]:
            other = encoded[name]
            if other.tokens.shape[:2] != first.tokens.shape[:2] or not torch.equal(
                other.mask, first.mask
            ):
                raise ValueError(
                    f"EarlyConcatFusion needs aligned sequences: {name!r} has tokens "
                    f"{tuple(other.tokens.shape[:2])} and {int(other.mask.sum())} real steps, "
                    f"{names[0]!r} has {tuple(first.tokens.shape[:2])} and "
                    f"{int(first.mask.sum())}"
                )
        joined = torch.cat([encoded[name].tokens for name in names], dim=-1)
        tokens = torch.relu(self.project(self.dropout(joined)))
        return FusionOutput(pooled=masked_mean(tokens, first.mask), tokens=tokens, mask=first.mask)
