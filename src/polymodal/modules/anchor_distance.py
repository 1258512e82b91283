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

from typing import NamedTuple

import torch
from torch import nn


class AnchoredBias(NamedTuple):
    """The bias (B, num_heads, N_q, N_k) and the anchors it measured from (B, N_q, P)."""

    bias: torch.Tensor
    anchors: torch.Tensor


ANCHORS = ("head", "mixture", "sharpest", "given")


class AnchorDistanceBias(nn.Module):
    """Per query i and token j: the bias β_h(x_i) · ‖p_j − a_i‖ for head h, where the anchor
    a_i = Σ_j w_ij p_j is where an attention w_i over the tokens looks (``anchor``).

    β starts at zero, so a layer given this bias starts as it would without it; ``gain``
    scales β so that a learning rate of ~1e-3 can reach the slopes that tell two distances a
    few pixels apart (with positions in [−1, 1] on a 75-pixel image, 2 pixels are 0.053).

    Args:
        dim: width of the queries.
        num_heads: heads of the attention the bias is added to.
        context_dim: width of the tokens (default ``dim``).
        anchor_dim: width of the anchor head's queries and keys (default ``dim // num_heads``).
        gain: the factor on β.
        anchor: which attention finds the anchor.

            - ``"head"``: an attention head of the bias's own, w = softmax(q_i · k_j / √d). It
              learns only through the slopes, which start at zero, so it may find nothing
              for thousands of steps (docs/fusion.md, item 16).
            - ``"mixture"``: the attention's own heads before the bias (``head_scores``), a
              learned mixture of them, equal at the start. Those heads learn to find what a
              word names from every question that reads the object (the values).
            - ``"sharpest"``: of the attention's heads, per query the one whose attention is
              most concentrated (largest Σ_j w_ij²): a head that has found the object a word
              names puts most of its weight on that object's few cells, where a mixture
              blurs it with heads that look elsewhere.
            - ``"given"``: the caller passes the ``anchors`` (another layer's).

    Shapes:
        hidden: (B, N_q, dim), context: (B, N_k, context_dim), positions: (B, N_k, P),
        context_mask: (B, N_k) bool or None → :class:`AnchoredBias`: bias (B, num_heads, N_q,
        N_k) and anchors (B, N_q, P), which are also kept, detached, in ``last_anchors`` for
        inspection. With ``context_rows`` (B,) long, ``context`` and ``positions`` have one
        row per distinct context (B_distinct, ...) and query row b reads row
        ``context_rows[b]`` (the mask is per query row).
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        context_dim: int | None = None,
        anchor_dim: int | None = None,
        gain: float = 10.0,
        anchor: str = "head",
    ) -> None:
        super().__init__()
        if anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {ANCHORS}, got {anchor!r}")
        self.anchor = anchor
        anchor_dim = anchor_dim or max(1, dim // num_heads)
        self.query = nn.Linear(dim, anchor_dim) if anchor == "head" else None
        self.key = nn.Linear(context_dim or dim, anchor_dim) if anchor == "head" else None
        # The heads' shares of the anchor, softmax(head_mixture): equal at the start.
        self.head_mixture = nn.Parameter(torch.zeros(num_heads)) if anchor == "mixture" else None
        # β = gain · (x W + b), zero at the start. Plain parameters rather than an nn.Linear,
        # so that the transformer initialisation of an enclosing fusion leaves them at zero.
        self.slope_weight = nn.Parameter(torch.zeros(dim, num_heads))
        self.slope_bias = nn.Parameter(torch.zeros(num_heads))
        self.gain = gain
        self.last_anchors: torch.Tensor | None = None

    @property
    def reads_heads(self) -> bool:
        """Whether the anchor comes from the attention's heads (``head_scores``)."""
        return self.anchor in ("mixture", "sharpest")

    def forward(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor,
        positions: torch.Tensor,
        context_mask: torch.Tensor | None = None,
        context_rows: torch.Tensor | None = None,
        head_scores: torch.Tensor | None = None,
        anchors: torch.Tensor | None = None,
    ) -> AnchoredBias:
        """``head_scores`` (B, H, N_q, N_k): the attention's scores before the bias, for
        ``anchor="mixture"`` or ``"sharpest"``; ``anchors`` (B, N_q, P) for ``"given"``."""
        if positions.shape[:2] != context.shape[:2]:
            raise ValueError(
                f"positions {tuple(positions.shape)} do not match the context's "
                f"{tuple(context.shape[:2])} tokens"
            )
        if context_rows is not None:
            positions = positions.index_select(0, context_rows)
        if (anchors is None) == (self.anchor == "given"):
            raise ValueError(
                'anchors are given exactly when anchor="given" (another layer\'s); '
                f"anchor={self.anchor!r}, anchors {'not ' if anchors is None else ''}given"
            )
        if anchors is None:
            weights = self._anchor_weights(hidden, context, context_mask, context_rows, head_scores)
            anchors = weights @ positions  # (B, N_q, P)
        self.last_anchors = anchors.detach()
        # ‖p_j − a_i‖, kept differentiable at zero distance.
        offsets = positions[:, None, :, :] - anchors[:, :, None, :]  # (B, N_q, N_k, P)
        distances = (offsets.square().sum(dim=-1) + 1e-6).sqrt()
        slopes = self.gain * (hidden @ self.slope_weight + self.slope_bias)  # (B, N_q, H)
        return AnchoredBias(slopes.permute(0, 2, 1)[..., None] * distances[:, None], anchors)

    def _anchor_weights(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor,
        context_mask: torch.Tensor | None,
        context_rows: torch.Tensor | None,
        head_scores: torch.Tensor | None,
    ) -> torch.Tensor:
        """The attention (B, N_q, N_k) whose mean place is each query's anchor."""
        mask = None if context_mask is None else ~context_mask[:, None, :]
        if self.query is None or self.key is None:
            if head_scores is None:
                raise ValueError(f"anchor={self.anchor!r} needs the attention's head_scores")
            if mask is not None:
                head_scores = head_scores.masked_fill(mask[:, None], -torch.inf)
            return self._from_heads(head_scores.softmax(dim=-1))
        query, key = self.query(hidden), self.key(context)
        if context_rows is not None:
            key = key.index_select(0, context_rows)
        scores = query @ key.transpose(1, 2) * query.shape[-1] ** -0.5  # (B, N_q, N_k)
        if mask is not None:
            scores = scores.masked_fill(mask, -torch.inf)
        return scores.softmax(dim=-1)

    def _from_heads(self, head_weights: torch.Tensor) -> torch.Tensor:
        """(B, H, N_q, N_k) attention of the heads → (B, N_q, N_k) the anchor's weights."""
        if self.head_mixture is None:  # sharpest
            chosen = head_weights.square().sum(dim=-1).argmax(dim=1)  # (B, N_q)
            index = chosen[:, None, :, None].expand(-1, 1, -1, head_weights.shape[-1])
            return head_weights.gather(1, index).squeeze(1)
        shares = self.head_mixture.softmax(dim=0)[None, :, None, None]
        return (head_weights * shares).sum(dim=1)
