"""Transformer encoder layers (self-attention + feed-forward) and a stack of them.

Both placements of layer normalisation are supported:

- post-LN (Vaswani et al. 2017; BERT): ``x = LN(x + Attn(x)); x = LN(x + FFN(x))``;
- pre-LN (ViT, ViLT, GPT-2; Xiong et al. 2020): ``x = x + Attn(LN(x)); x = x + FFN(LN(x))``,
  which trains stably without warm-up and needs a final LayerNorm after the last layer.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from polymodal.modules.attention import AttentionOutput, MultiHeadAttention
from polymodal.modules.feed_forward import FeedForward


class LayerOutput(NamedTuple):
    """One layer's output.

    Attributes:
        hidden: (B, N, D).
        attention: (B, heads, N, N_k) attention probabilities, or ``None`` unless asked for.
    """

    hidden: torch.Tensor
    attention: torch.Tensor | None


class TransformerOutput(NamedTuple):
    """A stack's output.

    Attributes:
        hidden: (B, N, D) — after the final LayerNorm, when the stack has one.
        attentions: one (B, heads, N, N) map per layer when asked for, else empty.
    """

    hidden: torch.Tensor
    attentions: list[torch.Tensor]


class TransformerEncoderLayer(nn.Module):
    """Self-attention then a feed-forward block, each with a residual connection.

    Args:
        dim: width D.
        num_heads: attention heads (must divide ``dim``).
        ffn_dim: hidden width of the feed-forward block (default 4·D).
        dropout: dropout on each sub-layer's output before the residual sum.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation (see :data:`polymodal.modules.ACTIVATIONS`).
        norm_first: pre-LN when True, post-LN (BERT) when False.
        layer_norm_eps: LayerNorm epsilon (BERT and ViT use 1e-12).
        qkv_bias: biases on the query, key and value projections.

    Shapes:
        hidden: (B, N, D); key_padding_mask: (B, N) bool, True for real tokens → (B, N, D).
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
        qkv_bias: bool = True,
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.attention = MultiHeadAttention(dim, num_heads, attention_dropout, bias=qkv_bias)
        self.attention_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.feed_forward = FeedForward(dim, ffn_dim or 4 * dim, activation, dropout)
        self.ffn_norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        hidden: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
        return_weights: bool = False,
        num_outputs: int | None = None,
    ) -> LayerOutput:
        """Args:
        num_outputs: compute the outputs of the first ``num_outputs`` tokens only (they
            still attend to every token): (B, N, D) → (B, num_outputs, D), attention
            (B, heads, num_outputs, N). ``None``: every token.
        """
        if self.norm_first:
            normed = self.attention_norm(hidden)
            attended = self._attend(normed, key_padding_mask, causal, return_weights, num_outputs)
            hidden = hidden[:, :num_outputs] + self.dropout(attended.output)
            hidden = hidden + self.feed_forward(self.ffn_norm(hidden))
        else:
            attended = self._attend(hidden, key_padding_mask, causal, return_weights, num_outputs)
            hidden = self.attention_norm(hidden[:, :num_outputs] + self.dropout(attended.output))
            hidden = self.ffn_norm(hidden + self.feed_forward(hidden))
        return LayerOutput(hidden, attended.weights)

    def _attend(
        self,
        hidden: torch.Tensor,
        key_padding_mask: torch.Tensor | None,
        causal: bool,
        return_weights: bool,
        num_outputs: int | None,
    ) -> AttentionOutput:
        # Self-attention projects q, k, v in one product; with fewer queries than keys the
        # queries are projected on their own (same parameters, so the same function).
        queries = hidden if num_outputs is None else hidden[:, :num_outputs]
        context = None if num_outputs is None else hidden
        return self.attention(
            queries,
            context,
            key_padding_mask=key_padding_mask,
            causal=causal,
            return_weights=return_weights,
        )


class TransformerEncoder(nn.Module):
    """A stack of :class:`TransformerEncoderLayer`, with a final LayerNorm for pre-LN stacks.

    Args:
        num_layers: number of layers (0: the stack is the identity, or only the final norm).
        dim, num_heads, ffn_dim, dropout, attention_dropout, activation, norm_first,
        layer_norm_eps, qkv_bias: as in :class:`TransformerEncoderLayer`.
        final_norm: a LayerNorm after the last layer; default: only for pre-LN stacks, whose
            residual stream is otherwise never normalised.

    Shapes:
        hidden: (B, N, D); key_padding_mask: (B, N) bool, True for real tokens → (B, N, D).
    """

    def __init__(
        self,
        num_layers: int,
        dim: int,
        num_heads: int,
        ffn_dim: int | None = None,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        norm_first: bool = True,
        layer_norm_eps: float = 1e-5,
        qkv_bias: bool = True,
        final_norm: bool | None = None,
    ) -> None:
        super().__init__()
        if num_layers < 0:
            raise ValueError(f"num_layers must be ≥ 0, got {num_layers}")
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                dim,
                num_heads,
                ffn_dim,
                dropout,
                attention_dropout,
                activation,
                norm_first,
                layer_norm_eps,
                qkv_bias,
            )
            for _ in range(num_layers)
        )
        use_final_norm = norm_first if final_norm is None else final_norm
        self.final_norm = nn.LayerNorm(dim, eps=layer_norm_eps) if use_final_norm else None

    def forward(
        self,
        hidden: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
        return_weights: bool = False,
        num_outputs: int | None = None,
    ) -> TransformerOutput:
        """Args:
        num_outputs: return the first ``num_outputs`` tokens only, (B, num_outputs, D).
            The last layer then computes just those (they still attend to every token):
            its queries, output projection and feed-forward run on ``num_outputs`` tokens
            instead of N — all that a head reading the first token needs. ``None``: every
            token.
        """
        attentions = []
        last = len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            outputs = num_outputs if index == last else None
            hidden, weights = layer(hidden, key_padding_mask, causal, return_weights, outputs)
            if weights is not None:
                attentions.append(weights)
        hidden = hidden[:, :num_outputs]  # a no-op unless the stack has no layers
        if self.final_norm is not None:
            hidden = self.final_norm(hidden)
        return TransformerOutput(hidden, attentions)
