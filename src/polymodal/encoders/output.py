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
        positions: (B, N, P) — where each token lies (an image cell's (x, y) in [−1, 1]), for
            fusions that reason about distances; ``None`` when the encoder does not say.
    """

    tokens: torch.Tensor
    mask: torch.Tensor
    pooled: torch.Tensor
    positions: torch.Tensor | None = None

    def select(self, index: torch.Tensor) -> EncoderOutput:
        """The rows ``index`` names (a shared field encoded once per distinct row, gathered
        back to one row per sample)."""
        return EncoderOutput(
            tokens=self.tokens[index],
            mask=self.mask[index],
            pooled=self.pooled[index],
            positions=None if self.positions is None else self.positions[index],
        )

    @property
    def dim(self) -> int:
        return int(self.pooled.shape[-1])
