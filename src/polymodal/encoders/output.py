"""What every encoder returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class EncoderOutput:
    """One modality, encoded.

    Attributes:
        tokens: (B, N, D) — per-token (word, patch, grid cell, frame) features.
        mask: (B, N) bool — True for real tokens, False for padding.
        pooled: (B, D) — one vector per sample.
    """

    tokens: torch.Tensor
    mask: torch.Tensor
    pooled: torch.Tensor

    @property
    def dim(self) -> int:
        return int(self.pooled.shape[-1])
