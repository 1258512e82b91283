"""What every fusion module returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class FusionOutput:
    """Modalities, fused.

    Attributes:
        pooled: (B, D) — the fused vector the heads read.
        tokens: (B, N, D) fused token sequence, for fusions that keep one (else ``None``).
        mask: (B, N) bool mask of ``tokens`` (else ``None``).
        attentions: named attention maps, each (B, heads, N_query, N_key), when requested.
    """

    pooled: torch.Tensor
    tokens: torch.Tensor | None = None
    mask: torch.Tensor | None = None
    attentions: dict[str, torch.Tensor] = field(default_factory=dict)
