"""Pooling a token sequence into one vector, honouring the padding mask."""

from __future__ import annotations

import torch


def masked_mean(tokens: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over the real tokens (sentence-transformers' mean pooling).

    Args:
        tokens: (B, N, D).
        mask: (B, N) bool, True for real tokens; ``None``: all real.

    Returns:
        (B, D); a row with no real token gives zeros.
    """
    if mask is None:
        return tokens.mean(dim=1)
    weights = mask.unsqueeze(-1).to(tokens.dtype)
    return (tokens * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def last_real(tokens: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """The last real token of each (right-padded) sequence, as MulT reads its output.

    Args:
        tokens: (B, N, D).
        mask: (B, N) bool, True for real tokens; ``None``: all real.

    Returns:
        (B, D); a row with no real token gives its first token.
    """
    if mask is None:
        return tokens[:, -1]
    last = (mask.long().sum(dim=1) - 1).clamp(min=0)
    return tokens[torch.arange(tokens.shape[0], device=tokens.device), last]
