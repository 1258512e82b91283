"""The position-wise feed-forward block of a transformer layer."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def _gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


# Names as Hugging Face configs write them ("hidden_act"), so a checkpoint's config maps
# straight onto ours; "gelu" is the exact erf form that BERT and ViT use.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": F.gelu,
    "gelu_tanh": _gelu_tanh,
    "gelu_new": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "relu": F.relu,
    "silu": F.silu,
}


def activation_function(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The activation called ``name`` (see :data:`ACTIVATIONS`)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


class FeedForward(nn.Module):
    """fc2(act(fc1(x))), then dropout.

    Args:
        dim: input and output width D.
        hidden_dim: width of the hidden layer (4·D in most transformers).
        activation: a name from :data:`ACTIVATIONS`.
        dropout: dropout on the output.

    Shapes:
        x: (..., D) → (..., D).
    """

    def __init__(
        self, dim: int, hidden_dim: int, activation: str = "gelu", dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.activation = activation_function(activation)
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.fc2(self.activation(self.fc1(x))))
