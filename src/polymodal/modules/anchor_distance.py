"""Attention scores that rise or fall with the distance from an attended anchor.

"The object closest to the red one" ranks objects by their distance from another object. Dot
products between a query and tokens that carry their (x, y) rank tokens along a direction, not
by distance; learning distance from them is slow and imprecise (docs/fusion.md, items 11–14).
This module computes it instead: each query finds an anchor by attention, its position is the
attention-weighted mean of the token positions (a soft argmax, finer than the grid), and every
head adds β · |p_token − p_anchor| to its scores, β read from the query — negative for
"closest", positive for "furthest", zero where distance does not matter.
"""

from __future__ import annotations

import torch
from torch import nn


class AnchorDistanceBias(nn.Module):
    """Per query i and token j: the bias β_h(x_i) · ‖p_j − a_i‖ for head h, where the anchor
    a_i = Σ_j softmax_j(q_i · k_j / √d) p_j comes from one attention head of its own.

    β starts at zero, so a layer given this bias starts as it would without it; ``gain``
    scales β so that a learning rate of ~1e-3 can reach the slopes that tell two distances a
    few pixels apart (with positions in [−1, 1] on a 75-pixel image, 2 pixels are 0.053).

    Args:
        dim: width of the queries.
        context_dim: width of the tokens (default ``dim``).
        num_heads: heads of the attention the bias is added to.
        anchor_dim: width of the anchor head's queries and keys (default ``dim // num_heads``).
        gain: the factor on β.
        anchor_from_heads: the anchor is where the attention's own heads look, before the
            bias — a learned mixture of their attention, equal at the start — instead of where
            an anchor head of its own looks. The attention's heads learn to find what a word
            names from every question that reads the object (the values), while an anchor
            head of its own learns only through the slopes, which start at zero; the
            heads' scores then come in as ``head_scores``.

    Shapes:
        hidden: (B, N_q, dim), context: (B, N_k, context_dim), positions: (B, N_k, P),
        context_mask: (B, N_k) bool or None → bias (B, num_heads, N_q, N_k); the anchors
        (B, N_q, P) are kept in ``last_anchors`` for inspection. With ``context_rows`` (B,)
        long, ``context`` and ``positions`` have one row per distinct context (B_distinct,
        ...) and query row b reads row ``context_rows[b]`` (the mask is per query row).
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        context_dim: int | None = None,
        anchor_dim: int | None = None,
        gain: float = 10.0,
        anchor_from_heads: bool = False,
    ) -> None:
        super().__init__()
        anchor_dim = anchor_dim or max(1, dim // num_heads)
        self.query = None if anchor_from_heads else nn.Linear(dim, anchor_dim)
        self.key = None if anchor_from_heads else nn.Linear(context_dim or dim, anchor_dim)
        # The heads' shares of the anchor, softmax(head_mixture): equal at the start.
        self.head_mixture = nn.Parameter(torch.zeros(num_heads)) if anchor_from_heads else None
        # β = gain · (x W + b), zero at the start. Plain parameters rather than an nn.Linear,
        # so that the transformer initialisation of an enclosing fusion leaves them at zero.
        self.slope_weight = nn.Parameter(torch.zeros(dim, num_heads))
        self.slope_bias = nn.Parameter(torch.zeros(num_heads))
        self.gain = gain
        self.last_anchors: torch.Tensor | None = None

    @property
    def anchor_from_heads(self) -> bool:
        return self.head_mixture is not None

    def forward(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor,
        positions: torch.Tensor,
        context_mask: torch.Tensor | None = None,
        context_rows: torch.Tensor | None = None,
        head_scores: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``head_scores`` (B, H, N_q, N_k): the attention's scores before the bias, with
        ``anchor_from_heads``."""
        if positions.shape[:2] != context.shape[:2]:
            raise ValueError(
                f"positions {tuple(positions.shape)} do not match the context's "
                f"{tuple(context.shape[:2])} tokens"
            )
        if context_rows is not None:
            positions = positions.index_select(0, context_rows)
        mask = None if context_mask is None else ~context_mask[:, None, :]
        if self.head_mixture is not None:
            if head_scores is None:
                raise ValueError("anchor_from_heads=True needs the attention's head_scores")
            if mask is not None:
                head_scores = head_scores.masked_fill(mask[:, None], -torch.inf)
            shares = self.head_mixture.softmax(dim=0)[None, :, None, None]
            weights = (head_scores.softmax(dim=-1) * shares).sum(dim=1)  # (B, N_q, N_k)
        else:
            assert self.query is not None and self.key is not None
            query, key = self.query(hidden), self.key(context)
            if context_rows is not None:
                key = key.index_select(0, context_rows)
            scores = query @ key.transpose(1, 2) * query.shape[-1] ** -0.5  # (B, N_q, N_k)
            if mask is not None:
                scores = scores.masked_fill(mask, -torch.inf)
            weights = scores.softmax(dim=-1)
        anchors = weights @ positions  # (B, N_q, P)
        self.last_anchors = anchors.detach()
        # ‖p_j − a_i‖, kept differentiable at zero distance.
        offsets = positions[:, None, :, :] - anchors[:, :, None, :]  # (B, N_q, N_k, P)
        distances = (offsets.square().sum(dim=-1) + 1e-6).sqrt()
        slopes = self.gain * (hidden @ self.slope_weight + self.slope_bias)  # (B, N_q, H)
        return slopes.permute(0, 2, 1)[..., None] * distances[:, None]
