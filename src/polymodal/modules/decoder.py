"""Transformer decoder layers: causal self-attention, cross-attention to a memory, feed-forward.

As in Vaswani et al. 2017 (post-LN) or with pre-LN; the memory (an encoder's output, e.g.
image tokens for captioning) is used as given — it is already normalised by its encoder.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from polymodal.modules.attention import MultiHeadAttention
from polymodal.modules.feed_forward import FeedForward


class DecoderLayerOutput(NamedTuple):
    """One decoder layer's output.

    Attributes:
        hidden: (B, N, D).
        self_attention: (B, heads, N, N) or ``None`` unless asked for.
        cross_attention: (B, heads, N, N_memory) or ``None`` unless asked for.
    """

    hidden: torch.Tensor
    self_attention: torch.Tensor | None
    cross_attention: torch.Tensor | None


class TransformerDecoderLayer(nn.Module):
    """Self-attention (causal by default), cross-attention to ``memory``, feed-forward.

    Args:
        dim: width D.
        num_heads: attention heads (must divide ``dim``).
        ffn_dim: hidden width of the feed-forward block (default 4·D).
        dropout: dropout on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        norm_first: pre-LN when True, post-LN when False.
        layer_norm_eps: LayerNorm epsilon.
        memory_dim: width of the memory when it differs from ``dim``.

    Shapes:
        hidden: (B, N, D); memory: (B, M, memory_dim); key_padding_mask: (B, N) bool;
        memory_mask: (B, M) bool (True = real) → hidden (B, N, D).
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
        memory_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attention = MultiHeadAttention(dim, num_heads, attention_dropout)
        self.self_attention_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.cross_attention = MultiHeadAttention(
            dim, num_heads, attention_dropout, context_dim=memory_dim
        )
        self.cross_attention_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.feed_forward = FeedForward(dim, ffn_dim or 4 * dim, activation, dropout)
        self.ffn_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        hidden: torch.Tensor,
        memory: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
        causal: bool = True,
        return_weights: bool = False,
    ) -> DecoderLayerOutput:
        def add(residual: torch.Tensor, update: torch.Tensor, norm: nn.Module) -> torch.Tensor:
            return residual + update if self.norm_first else norm(residual + update)

        def pre(x: torch.Tensor, norm: nn.Module) -> torch.Tensor:
            return norm(x) if self.norm_first else x

        itself = self.self_attention(
            pre(hidden, self.self_attention_norm),
            key_padding_mask=key_padding_mask,
            causal=causal,
            return_weights=return_weights,
        )
        hidden = add(hidden, self.dropout(itself.output), self.self_attention_norm)
        crossed = self.cross_attention(
            pre(hidden, self.cross_attention_norm),
            memory,
            key_padding_mask=memory_mask,
            return_weights=return_weights,
        )
        hidden = add(hidden, self.dropout(crossed.output), self.cross_attention_norm)
        hidden = add(hidden, self.feed_forward(pre(hidden, self.ffn_norm)), self.ffn_norm)
        return DecoderLayerOutput(hidden, itself.weights, crossed.weights)
