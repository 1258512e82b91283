"""Late fusion: a weighted sum of per-modality predictions."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class WeightedLateFusion(nn.Module):
    """Each modality predicts on its own, p_m = MLP_m(z_m); the fused output is
    Σ_m w_m p_m with w = softmax(a) over modalities, a learned (or fixed) — decision-level
    fusion (Snoek et al. 2005, "Early versus late fusion in semantic video analysis";
    Baltrušaitis et al. 2019, §5).

    ``pooled`` is the weighted sum of the per-modality predictions p_m (width D). With a
    linear head after it (``MLPHead`` without hidden layers), the logits are
    Σ_m w_m (H p_m) + b, a weighted sum of each modality's own logits: the modalities
    interact only through the weights.

    Args:
        input_dims: modality name → width of its pooled vector.
        dim: width D of each prediction (and of the fused vector).
        hidden_dims: hidden widths of each modality's MLP (empty: one linear layer).
        weights: fixed weights per modality (normalised to sum 1) instead of learned ones.
        dropout: dropout before each linear layer.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    fixed_weights: torch.Tensor | None

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        hidden_dims: Sequence[int] = (),
        weights: Mapping[str, float] | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not input_dims:
            raise ValueError("WeightedLateFusion needs at least one modality in input_dims")
        self.input_dims = dict(input_dims)
        self.predictors = nn.ModuleDict(
            {name: _mlp([width, *hidden_dims, dim], dropout) for name, width in input_dims.items()}
        )
        if weights is None:
            self.logit_weights: nn.Parameter | None = nn.Parameter(torch.zeros(len(input_dims)))
            self.register_buffer("fixed_weights", None)
        else:
            if set(weights) != set(input_dims) or any(w < 0 for w in weights.values()):
                raise ValueError(
                    f"weights must give a non-negative weight to each of {list(input_dims)}, "
                    f"got {dict(weights)}"
                )
            total = sum(weights.values())
            if total <= 0:
                raise ValueError(f"weights must not all be 0, got {dict(weights)}")
            fixed = torch.tensor([weights[name] / total for name in input_dims])
            self.logit_weights = None
            self.register_buffer("fixed_weights", fixed)
        self.output_dim = dim

    def modality_weights(self) -> torch.Tensor:
        """(M,) the weight of each modality, in ``input_dims`` order; they sum to 1."""
        if self.logit_weights is not None:
            return torch.softmax(self.logit_weights, dim=0)
        assert self.fixed_weights is not None
        return self.fixed_weights

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        weights = self.modality_weights()
        predictions = torch.stack(
            [self.predictors[name](encoded[name].pooled) for name in self.input_dims], dim=1
        )  # (B, M, D)
        return FusionOutput(pooled=torch.einsum("m,bmd->bd", weights, predictions))


def _mlp(widths: Sequence[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    pairs = list(itertools.pairwise(widths))
    for index, (a, b) in enumerate(pairs):
        layers += [nn.Dropout(dropout), nn.Linear(a, b)]
        if index < len(pairs) - 1:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)
