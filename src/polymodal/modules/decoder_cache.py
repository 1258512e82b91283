"""Incremental decoding with a key/value cache for :class:`TransformerDecoderLayer`.

Generating token t with a plain decoder recomputes the keys and values of tokens 0..t-1 in
every layer, and the cross-attention keys and values of the (fixed) memory, at every step:
O(T²) projections for a sequence of T tokens. The cache keeps both — the memory's once, the
self-attention's growing by the new positions each step — so a step costs one new query row
per layer (the "incremental state" of fairseq and the ``past_key_values`` of Hugging Face
decoders; the idea is in Vaswani et al. 2017's auto-regressive decoder).

A cached step computes the same function as :meth:`TransformerDecoderLayer.forward` over the
whole prefix with a causal mask; ``tests/models/test_captioner.py`` checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from polymodal.modules.attention import MultiHeadAttention, scaled_dot_product
from polymodal.modules.decoder import TransformerDecoderLayer
from polymodal.modules.masks import causal_mask


def _heads(linear: nn.Linear, hidden: torch.Tensor, attention: MultiHeadAttention) -> torch.Tensor:
    """(B, N, D_in) → (B, heads, N, d_head) through one of the attention's projections."""
    batch, length, _ = hidden.shape
    projected = linear(hidden).view(batch, length, attention.num_heads, attention.head_dim)
    return projected.transpose(1, 2)


@dataclass
class LayerCache:
    """One decoder layer's cached keys and values.

    Attributes:
        self_key: (B, heads, T, d_head) — keys of the T positions decoded so far.
        self_value: (B, heads, T, d_head).
        memory_key: (B, heads, M, d_head) — cross-attention keys of the memory (fixed).
        memory_value: (B, heads, M, d_head).
        memory_mask: (B, 1, 1, M) bool (True = real memory token), or ``None``.
    """

    self_key: torch.Tensor
    self_value: torch.Tensor
    memory_key: torch.Tensor
    memory_value: torch.Tensor
    memory_mask: torch.Tensor | None

    @property
    def length(self) -> int:
        """T, the number of cached positions."""
        return int(self.self_key.shape[2])

    def select(self, rows: torch.Tensor) -> LayerCache:
        """The cache of batch rows ``rows`` (B',) long — how beam search follows the beams it
        keeps, and how a batch is expanded to ``beam_size`` rows per sample."""
        return LayerCache(
            self.self_key.index_select(0, rows),
            self.self_value.index_select(0, rows),
            self.memory_key.index_select(0, rows),
            self.memory_value.index_select(0, rows),
            None if self.memory_mask is None else self.memory_mask.index_select(0, rows),
        )


def start_cache(
    layer: TransformerDecoderLayer, memory: torch.Tensor, memory_mask: torch.Tensor | None = None
) -> LayerCache:
    """An empty cache for ``layer``, with the memory's keys and values projected once.

    Args:
        layer: the decoder layer.
        memory: (B, M, memory_dim).
        memory_mask: (B, M) bool, True for real memory tokens; or ``None``.
    """
    attention = layer.cross_attention
    if memory_mask is not None and memory_mask.dtype != torch.bool:
        raise TypeError(f"memory_mask must be bool (True = real token), got {memory_mask.dtype}")
    key = _heads(attention.key, memory, attention)
    value = _heads(attention.value, memory, attention)
    own = layer.self_attention
    empty = key.new_zeros(memory.shape[0], own.num_heads, 0, own.head_dim)
    mask = None if memory_mask is None else memory_mask[:, None, None, :]
    return LayerCache(empty, empty.clone(), key, value, mask)


def cached_layer_step(
    layer: TransformerDecoderLayer, hidden: torch.Tensor, cache: LayerCache
) -> tuple[torch.Tensor, LayerCache]:
    """Runs ``layer`` on the next positions, attending to the cached ones.

    Args:
        layer: the decoder layer (in evaluation mode: dropout is not applied here).
        hidden: (B, n, D) — the layer's input at the n new positions (usually n = 1).
        cache: the layer's cache, holding T earlier positions.

    Returns:
        (B, n, D) the layer's output at the new positions, and the cache holding T + n.
    """

    def add(residual: torch.Tensor, update: torch.Tensor, norm: nn.Module) -> torch.Tensor:
        return residual + update if layer.norm_first else norm(residual + update)

    def pre(x: torch.Tensor, norm: nn.Module) -> torch.Tensor:
        return norm(x) if layer.norm_first else x

    own = layer.self_attention
    normed = pre(hidden, layer.self_attention_norm)
    key = torch.cat([cache.self_key, _heads(own.key, normed, own)], dim=2)
    value = torch.cat([cache.self_value, _heads(own.value, normed, own)], dim=2)
    query = _heads(own.query, normed, own)
    new = hidden.shape[1]
    # One new position may see every cached one; several new ones see a triangle among
    # themselves (the causal mask aligned to the end of the keys).
    mask = causal_mask(new, key.shape[2], device=hidden.device) if new > 1 else None
    attended, _ = scaled_dot_product(query, key, value, mask=mask)
    merged = attended.transpose(1, 2).reshape(hidden.shape[0], new, -1)
    hidden = add(hidden, own.out(merged), layer.self_attention_norm)

    cross = layer.cross_attention
    query = _heads(cross.query, pre(hidden, layer.cross_attention_norm), cross)
    attended, _ = scaled_dot_product(
        query, cache.memory_key, cache.memory_value, mask=cache.memory_mask
    )
    merged = attended.transpose(1, 2).reshape(hidden.shape[0], new, -1)
    hidden = add(hidden, cross.out(merged), layer.cross_attention_norm)
    hidden = add(hidden, layer.feed_forward(pre(hidden, layer.ffn_norm)), layer.ffn_norm)
    updated = LayerCache(key, value, cache.memory_key, cache.memory_value, cache.memory_mask)
    return hidden, updated
