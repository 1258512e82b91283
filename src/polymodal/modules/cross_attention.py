"""A cross-attention layer: one sequence attends to another, then a feed-forward block.

The building block of two-stream fusion: ViLBERT's co-attention (each stream in turn is the
query), MulT's crossmodal transformer (the target modality queries a source modality), and
"question attends to image" cross-modal attention.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from polymodal.modules.anchor_distance import AnchorDistanceBias, AnchoredBias
from polymodal.modules.attention import AttentionOutput, MultiHeadAttention
from polymodal.modules.feed_forward import FeedForward


class CrossAttentionOutput(NamedTuple):
    """One cross-attention layer's output.

    Attributes:
        hidden: (B, N_q, D).
        attention: (B, heads, N_q, N_k) attention probabilities, or ``None`` unless asked for.
        anchors: (B, N_q, P) the distance bias's anchors, or ``None`` without one.
    """

    hidden: torch.Tensor
    attention: torch.Tensor | None
    anchors: torch.Tensor | None = None


class CrossAttentionLayer(nn.Module):
    """``x ← x + Attn(Q = x, K = V = context)``, then ``x ← x + FFN(x)``, with pre- or post-LN.

    With pre-LN the context is normalised too (its own LayerNorm), as in MulT: the context is
    another stream's un-normalised residual stream. ``normalize_context=False`` leaves it as it
    comes: LayerNorm divides each token by its own spread, so a coordinate carried in the
    tokens comes out scaled by a factor that depends on what else the token holds — its sign
    survives, distances between tokens blur.

    Args:
        dim: width D of the query stream and of the output.
        num_heads: attention heads (must divide ``dim``).
        ffn_dim: hidden width of the feed-forward block (default 4·D).
        dropout: dropout on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        norm_first: pre-LN when True, post-LN when False.
        layer_norm_eps: LayerNorm epsilon.
        context_dim: width of the context when it differs from ``dim``.
        normalize_context: with pre-LN, normalise the context (its own LayerNorm).
        distance_bias: add :class:`~polymodal.modules.anchor_distance.AnchorDistanceBias` to
            the attention scores: each query finds an anchor token, and each head learns how
            its scores rise or fall with a token's distance from it. ``forward`` then needs
            the context tokens' ``positions``.
        anchor: with ``distance_bias``, which attention finds each query's anchor: ``"head"``
            (one of the bias's own), ``"mixture"`` or ``"sharpest"`` (of this layer's heads),
            or ``"given"`` (``forward`` gets another layer's ``anchors``); see
            :class:`~polymodal.modules.anchor_distance.AnchorDistanceBias`.

    Shapes:
        hidden: (B, N_q, D); context: (B, N_k, context_dim); context_mask: (B, N_k) bool;
        positions: (B, N_k, P) → hidden (B, N_q, D), attention (B, heads, N_q, N_k). With
        ``context_rows`` (B,) long, a context shared between query rows comes once per distinct
        row — context (B_distinct, N_k, context_dim), positions (B_distinct, N_k, P) — and is
        normalised and projected once per distinct row.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        ffn_dim: int | None = None,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        norm_first: bool = True,
        layer_norm_eps: float = 1e-5,
        context_dim: int | None = None,
        normalize_context: bool = True,
        distance_bias: bool = False,
        anchor: str = "head",
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.attention = MultiHeadAttention(
            dim, num_heads, attention_dropout, context_dim=context_dim
        )
        self.attention_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.context_norm: nn.Module = (
            nn.LayerNorm(context_dim or dim, eps=layer_norm_eps)
            if norm_first and normalize_context
            else nn.Identity()
        )
        self.feed_forward = FeedForward(dim, ffn_dim or 4 * dim, activation, dropout)
        self.ffn_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)
        self.distance_bias = (
            AnchorDistanceBias(dim, num_heads, context_dim, anchor=anchor)
            if distance_bias
            else None
        )

    def forward(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor,
        context_mask: torch.Tensor | None = None,
        return_weights: bool = False,
        positions: torch.Tensor | None = None,
        context_rows: torch.Tensor | None = None,
        anchors: torch.Tensor | None = None,
    ) -> CrossAttentionOutput:
        """``anchors`` (B, N_q, P): another layer's, for ``anchor="given"``."""
        if self.norm_first:
            queries, context = self.attention_norm(hidden), self.context_norm(context)
            attended, anchored = self._attend(
                queries, context, context_mask, return_weights, positions, context_rows, anchors
            )
            hidden = hidden + self.dropout(attended.output)
            hidden = hidden + self.feed_forward(self.ffn_norm(hidden))
        else:
            attended, anchored = self._attend(
                hidden, context, context_mask, return_weights, positions, context_rows, anchors
            )
            hidden = self.attention_norm(hidden + self.dropout(attended.output))
            hidden = self.ffn_norm(hidden + self.feed_forward(hidden))
        return CrossAttentionOutput(
            hidden, attended.weights, None if anchored is None else anchored.anchors
        )

    def _attend(
        self,
        queries: torch.Tensor,
        context: torch.Tensor,
        context_mask: torch.Tensor | None,
        return_weights: bool,
        positions: torch.Tensor | None,
        context_rows: torch.Tensor | None,
        anchors: torch.Tensor | None,
    ) -> tuple[AttentionOutput, AnchoredBias | None]:
        """The attention, with the distance bias when the layer has one. The queries and keys
        are projected once: an anchor taken from the heads reads their scores before the bias."""
        query, key, value = self.attention.project(queries, context, context_rows)
        anchored = None
        if self.distance_bias is not None:
            if positions is None:
                raise ValueError(
                    "this cross-attention layer has distance_bias=True, which needs the context "
                    "tokens' positions: none were given (the context encoder must return them, "
                    "e.g. ConvImageEncoder(cell_coordinates=True))"
                )
            head_scores = (
                self.attention.scores(query, key) if self.distance_bias.reads_heads else None
            )
            anchored = self.distance_bias(
                queries, context, positions, context_mask, context_rows, head_scores, anchors
            )
        attended = self.attention.attend(
            query,
            key,
            value,
            key_padding_mask=context_mask,
            return_weights=return_weights,
            bias=None if anchored is None else anchored.bias,
        )
        return attended, anchored
