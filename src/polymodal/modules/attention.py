"""Multi-head attention on :func:`torch.nn.functional.scaled_dot_product_attention`.

softmax(Q Kᵀ / √d_k) V per head (Vaswani et al. 2017, "Attention Is All You Need"). The fast
path is PyTorch's fused kernel, which never materialises the attention matrix; asking for the
weights (for interpretation) switches to an explicit computation of the same function.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from polymodal.modules.masks import attention_mask


class AttentionOutput(NamedTuple):
    """What an attention module returns.

    Attributes:
        output: (B, N_q, D) — the attended values, projected.
        weights: (B, heads, N_q, N_k) — the attention probabilities (before dropout), or
            ``None`` unless they were asked for.
    """

    output: torch.Tensor
    weights: torch.Tensor | None


def scaled_dot_product(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    is_causal: bool = False,
    dropout: float = 0.0,
    return_weights: bool = False,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """softmax(Q Kᵀ / √d_k + bias + mask) V, per head.

    Args:
        query: (B, H, N_q, d_k).
        key: (B, H, N_k, d_k).
        value: (B, H, N_k, d_v).
        mask: bool, broadcastable to (B, H, N_q, N_k); True where a query may attend.
        is_causal: a causal mask over square scores (N_q = N_k), given without ``mask`` so that
            the fused kernel can skip the masked half.
        dropout: dropout probability on the attention weights (0 in evaluation).
        return_weights: also return the (B, H, N_q, N_k) attention probabilities.
        bias: float, broadcastable to (B, H, N_q, N_k); added to the scaled scores (relative
            position and distance terms).

    Returns:
        (B, H, N_q, d_v) attended values, and the weights or ``None``. A query that may attend
        to no key at all gets zeros (as the fused kernel gives), not NaN.
    """
    if not return_weights and bias is None:
        attended = F.scaled_dot_product_attention(
            query, key, value, attn_mask=mask, dropout_p=dropout, is_causal=is_causal
        )
        return attended, None
    # Explicit: the weights are wanted, or a bias is added (the fused kernel's float-mask path
    # on CPU copies its inputs, and measured slower than this).
    if is_causal:
        causal = torch.ones(query.shape[-2], key.shape[-2], dtype=torch.bool, device=query.device)
        mask = causal.tril() if mask is None else mask & causal.tril()
    scores = torch.matmul(query, key.transpose(-2, -1)) * query.shape[-1] ** -0.5
    if bias is not None:
        scores = scores + bias
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        # A row with every key masked is all -inf: softmax gives NaN; the fused kernel gives 0.
        weights = torch.where(mask.any(dim=-1, keepdim=True), weights, 0.0)
    dropped = F.dropout(weights, p=dropout) if dropout > 0 else weights
    return torch.matmul(dropped, value), weights


class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate query, key, value and output projections.

    Self-attention (no ``context``) runs the three input projections as one matrix product,
    which is faster than three, while the parameters stay separate so that checkpoints with
    ``query`` / ``key`` / ``value`` weights (BERT, ViT) map onto them one to one.

    Args:
        dim: width D of the queries and of the output.
        num_heads: number of heads; must divide ``dim``.
        dropout: dropout on the attention weights.
        bias: biases on the query, key and value projections.
        context_dim: width of the key/value input when it differs from ``dim``
            (cross-attention between modalities of different widths).

    Shapes:
        hidden: (B, N_q, D); context: (B, N_k, context_dim); key_padding_mask: (B, N_k) bool,
        True for real keys → output (B, N_q, D), weights (B, heads, N_q, N_k).
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        context_dim: int | None = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or dim % num_heads:
            raise ValueError(f"dim {dim} must be divisible by num_heads {num_heads}")
        context_dim = dim if context_dim is None else context_dim
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.dropout = dropout
        self.query = nn.Linear(dim, dim, bias=bias)
        self.key = nn.Linear(context_dim, dim, bias=bias)
        self.value = nn.Linear(context_dim, dim, bias=bias)
        self.out = nn.Linear(dim, dim)

    def _split_heads(self, projected: torch.Tensor) -> torch.Tensor:
        batch, length, _ = projected.shape
        return projected.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def _project_self(self, hidden: torch.Tensor) -> tuple[torch.Tensor, ...]:
        weight = torch.cat([self.query.weight, self.key.weight, self.value.weight])
        bias = None
        if self.query.bias is not None:
            assert self.key.bias is not None and self.value.bias is not None
            bias = torch.cat([self.query.bias, self.key.bias, self.value.bias])
        batch, length, _ = hidden.shape
        packed = F.linear(hidden, weight, bias).view(batch, length, 3, self.num_heads, -1)
        return packed.permute(2, 0, 3, 1, 4).unbind(0)  # 3 × (B, H, N, d_head)

    def _project_context(
        self, context: torch.Tensor, rows: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values as one matrix product, gathered to ``rows`` in one copy."""
        weight = torch.cat([self.key.weight, self.value.weight])
        bias = None
        if self.key.bias is not None:
            assert self.value.bias is not None
            bias = torch.cat([self.key.bias, self.value.bias])
        packed = F.linear(context, weight, bias)
        if rows is not None:
            packed = packed.index_select(0, rows)
        keys, values = packed.chunk(2, dim=-1)
        return keys, values

    def project(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor | None = None,
        context_rows: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Queries from ``hidden``, keys and values from ``context`` (``hidden`` when
        ``None``; ``context_rows`` as in :meth:`forward`): 3 × (B, H, N, d_head)."""
        if hidden.dim() != 3:
            raise ValueError(f"attention expects (B, N, D) inputs, got shape {tuple(hidden.shape)}")
        if context is None:
            return self._project_self(hidden)
        query = self._split_heads(self.query(hidden))
        key, value = map(self._split_heads, self._project_context(context, context_rows))
        return query, key, value

    def scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """Every head's scores q · k / √d_head before any mask or bias, from projected
        queries and keys (:meth:`project`): (B, H, N_q, N_k)."""
        return query @ key.transpose(-1, -2) * self.head_dim**-0.5

    def forward(
        self,
        hidden: torch.Tensor,
        context: torch.Tensor | None = None,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
        return_weights: bool = False,
        bias: torch.Tensor | None = None,
        context_rows: torch.Tensor | None = None,
    ) -> AttentionOutput:
        """Attends from ``hidden`` to ``context`` (to itself when ``context`` is ``None``).

        Args:
            hidden: (B, N_q, D) queries.
            context: (B, N_k, context_dim) keys and values, or ``None`` for self-attention.
            key_padding_mask: (B, N_k) bool, True for real keys; padded keys get no weight.
            causal: query i attends only to keys 0..i (decoders).
            return_weights: also return the attention probabilities.
            bias: float (B, heads, N_q, N_k), or broadcastable to it, added to the scores.
            context_rows: (B,) long: query row b attends to ``context[context_rows[b]]`` —
                a context shared between rows (one image, several questions) has its keys
                and values projected once per distinct row; ``context`` is then
                (B_distinct, N_k, context_dim).
        """
        query, key, value = self.project(hidden, context, context_rows)
        return self.attend(query, key, value, key_padding_mask, causal, return_weights, bias)

    def attend(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
        return_weights: bool = False,
        bias: torch.Tensor | None = None,
    ) -> AttentionOutput:
        """:meth:`forward` from projected queries, keys and values (:meth:`project`), for a
        caller that needs them first (a bias computed from the heads' own scores)."""
        num_queries, num_keys = query.shape[-2], key.shape[-2]
        # The fused kernel has a cheaper causal path of its own when nothing else is masked.
        fused_causal = causal and key_padding_mask is None and num_queries == num_keys
        mask = attention_mask(
            key_padding_mask, num_queries, num_keys, causal and not fused_causal, query.device
        )
        attended, weights = scaled_dot_product(
            query,
            key,
            value,
            mask=mask,
            is_causal=fused_causal,
            dropout=self.dropout if self.training else 0.0,
            return_weights=return_weights,
            bias=bias,
        )
        merged = attended.transpose(1, 2).reshape(query.shape[0], num_queries, -1)
        return AttentionOutput(self.out(merged), weights)
