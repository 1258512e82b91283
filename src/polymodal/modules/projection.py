"""Bringing modalities of different widths to one width before they meet in attention."""

from __future__ import annotations

from collections.abc import Mapping

from torch import nn


def width_projections(input_dims: Mapping[str, int], dim: int) -> nn.ModuleDict:
    """One module per modality mapping its width to ``dim``: a linear layer, or the identity
    when the widths already agree (so a checkpointed encoder's tokens pass unchanged)."""
    return nn.ModuleDict(
        {
            name: nn.Identity() if width == dim else nn.Linear(width, dim)
            for name, width in input_dims.items()
        }
    )
