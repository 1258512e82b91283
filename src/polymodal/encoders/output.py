"""What every encoder returns."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
        rows: (S,) long, or ``None`` — sample s's row is ``rows[s]``: a field shared between
            samples (one image, several questions) encoded once per distinct row, B of them,
            and not yet gathered to one row per sample, so that a fusion can also project it
            once per distinct row (:meth:`shared`, :meth:`gathered`). ``None``: one row per
            sample.
    """

    tokens: torch.Tensor
    mask: torch.Tensor
    pooled: torch.Tensor
    positions: torch.Tensor | None = None
    rows: torch.Tensor | None = None

    def select(self, index: torch.Tensor) -> EncoderOutput:
        """The rows ``index`` names (a shared field encoded once per distinct row, gathered
        back to one row per sample)."""
        return EncoderOutput(
            tokens=self.tokens[index],
            mask=self.mask[index],
            pooled=self.pooled[index],
            positions=None if self.positions is None else self.positions[index],
        )

    def shared(self, index: torch.Tensor) -> EncoderOutput:
        """As :meth:`select`, but the gather is left to whoever reads the output: ``rows``
        records ``index`` and the tensors keep one row per distinct value."""
        return replace(self, rows=index)

    def gathered(self) -> EncoderOutput:
        """One row per sample: the rows of a :meth:`shared` output gathered, or this."""
        return self if self.rows is None else self.select(self.rows)

    @property
    def dim(self) -> int:
        return int(self.pooled.shape[-1])
