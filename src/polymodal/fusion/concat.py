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
        flatten: modality name → its number of tokens N_m, for modalities whose tokens are
            flattened (N_m · D_m values, keeping where each feature is) instead of pooled —
            the CNN+MLP baseline of Santoro et al. 2017 flattens the CNN's feature map.

    Shapes:
        encoded[m].pooled: (B, D_m) (or encoded[m].tokens: (B, N_m, D_m) for flattened
        modalities) → pooled (B, D).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        dropout: float = 0.0,
        flatten: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self.input_dims = dict(input_dims)
        self.flatten = dict(flatten or {})
        unknown = sorted(set(self.flatten) - set(self.input_dims))
        if unknown:
            raise ValueError(f"flatten names {unknown}, which are not in input_dims")
        self.dropout = nn.Dropout(dropout)
        width = sum(d * self.flatten.get(m, 1) for m, d in self.input_dims.items())
        self.project = nn.Linear(width, dim)
        self.output_dim = dim

    def _features(self, name: str, output: EncoderOutput) -> torch.Tensor:
        if name not in self.flatten:
            return output.pooled
        if output.tokens.shape[1] != self.flatten[name]:
            raise ValueError(
                f"ConcatFusion: modality {name!r} has {output.tokens.shape[1]} tokens, "
                f"flatten says {self.flatten[name]}"
            )
        return output.tokens.flatten(1)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        joined = torch.cat([self._features(m, encoded[m]) for m in self.input_dims], dim=-1)
        return FusionOutput(pooled=torch.relu(self.project(self.dropout(joined))))
