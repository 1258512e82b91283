"""Classification heads over the fused vector."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from polymodal.fusion.output import FusionOutput


class MLPHead(nn.Module):
    """An MLP from the fused vector to class (or answer) logits.

    Args:
        input_dim: width of ``FusionOutput.pooled``.
        num_classes: number of outputs.
        hidden_dims: widths of the hidden layers (empty: one linear layer).
        dropout: dropout before each linear layer.

    Shapes:
        fused.pooled: (B, input_dim) → logits (B, num_classes).
    """

    def __init__(
        self,
        input_dim: int,
        num_classes: int,
        hidden_dims: Sequence[int] = (),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        widths = [input_dim, *hidden_dims]
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(widths):
            layers += [nn.Dropout(dropout), nn.Linear(a, b), nn.ReLU(inplace=True)]
        layers += [nn.Dropout(dropout), nn.Linear(widths[-1], num_classes)]
        self.mlp = nn.Sequential(*layers)

    def forward(self, fused: FusionOutput) -> torch.Tensor:
        return self.mlp(fused.pooled)
