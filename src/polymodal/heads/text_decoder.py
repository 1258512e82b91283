"""A transformer text decoder: token ids and a memory (image tokens) → next-token logits.

Token and learned position embeddings, a stack of pre-LN :class:`TransformerDecoderLayer`
(causal self-attention, cross-attention to the memory, feed-forward), a final LayerNorm and an
output projection tied to the token embedding (Press & Wolf 2017). This is the caption
decoder of "Show, Attend and Tell"-style captioners with the transformer of Vaswani et al.
2017, as in the captioning decoders of BLIP and CoCa.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from polymodal.modules.decoder import TransformerDecoderLayer
from polymodal.modules.decoder_cache import LayerCache, cached_layer_step, start_cache
from polymodal.modules.positions import LearnedPositionEmbedding


@dataclass
class DecoderState:
    """Everything incremental decoding carries from one step to the next.

    Attributes:
        layers: one :class:`LayerCache` per decoder layer.
    """

    layers: list[LayerCache]

    @property
    def length(self) -> int:
        """Positions decoded so far."""
        return self.layers[0].length

    @property
    def batch_size(self) -> int:
        return int(self.layers[0].memory_key.shape[0])

    def select(self, rows: torch.Tensor) -> DecoderState:
        """The state of batch rows ``rows`` (B',) long, in that order."""
        return DecoderState([cache.select(rows) for cache in self.layers])


class TextDecoder(nn.Module):
    """Causal transformer decoder with cross-attention to a memory.

    Args:
        vocab_size: V, including the special tokens.
        dim: width D.
        num_layers: decoder layers.
        num_heads: attention heads (must divide ``dim``).
        ffn_dim: feed-forward width (default 4·D).
        max_length: most positions (start token included) it can decode.
        memory_dim: width of the memory (default ``dim``).
        dropout: dropout on embeddings and sub-layer outputs.
        attention_dropout: dropout on attention weights.
        activation: feed-forward activation.
        tie_embeddings: the output projection shares the token embedding's weights.
        pad_id: the padding id (its embedding is kept at zero).

    Shapes:
        input_ids: (B, T) long; memory: (B, M, memory_dim); memory_mask: (B, M) bool
        → logits (B, T, V).
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int = 256,
        num_layers: int = 3,
        num_heads: int = 4,
        ffn_dim: int | None = None,
        max_length: int = 64,
        memory_dim: int | None = None,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        tie_embeddings: bool = True,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        if vocab_size < 2:
            raise ValueError(f"vocab_size must be at least 2, got {vocab_size}")
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.vocab_size = vocab_size
        self.dim = dim
        self.max_length = max_length
        self.memory_dim = memory_dim or dim
        self.token_embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        with torch.no_grad():
            self.token_embedding.weight[pad_id].zero_()
        self.position_embedding = LearnedPositionEmbedding(max_length, dim)
        self.embedding_dropout = nn.Dropout(dropout)
        self.layers: list[TransformerDecoderLayer] = nn.ModuleList(  # type: ignore[assignment]
            TransformerDecoderLayer(
                dim,
                num_heads,
                ffn_dim,
                dropout=dropout,
                attention_dropout=attention_dropout,
                activation=activation,
                norm_first=True,
                memory_dim=self.memory_dim,
            )
            for _ in range(num_layers)
        )
        self.final_norm = nn.LayerNorm(dim)
        # A tied output reads the embedding's weight directly rather than sharing it with an
        # nn.Linear, so each parameter belongs to one module (one optimizer group).
        self.output = None if tie_embeddings else nn.Linear(dim, vocab_size, bias=False)
        self.output_bias = nn.Parameter(torch.zeros(vocab_size))

    def _embed(self, input_ids: torch.Tensor, start: int) -> torch.Tensor:
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be (B, T), got shape {tuple(input_ids.shape)}")
        length = input_ids.shape[1]
        positions = self.position_embedding(start + length)[start:]
        return self.embedding_dropout(self.token_embedding(input_ids) + positions)

    def forward(
        self,
        input_ids: torch.Tensor,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Teacher forcing: logits for every next token at once.

        Right padding needs no mask of its own: under the causal mask a real position never
        sees a later (padded) one, and the loss ignores the padded positions' outputs.

        Args:
            input_ids: (B, T) — the start token followed by the caption's tokens.
            memory: (B, M, memory_dim).
            memory_mask: (B, M) bool, True for real memory tokens.

        Returns:
            (B, T, V) logits; row t predicts token t + 1.
        """
        hidden = self._embed(input_ids, 0)
        for layer in self.layers:
            hidden = layer(hidden, memory, memory_mask=memory_mask, causal=True).hidden
        return self._logits(hidden)

    def _logits(self, hidden: torch.Tensor) -> torch.Tensor:
        weight = self.token_embedding.weight if self.output is None else self.output.weight
        return F.linear(self.final_norm(hidden), weight, self.output_bias)

    def start(self, memory: torch.Tensor, memory_mask: torch.Tensor | None = None) -> DecoderState:
        """An empty decoding state for a batch of memories (projected once per layer).

        Args:
            memory: (B, M, memory_dim).
            memory_mask: (B, M) bool, or ``None``.
        """
        return DecoderState([start_cache(layer, memory, memory_mask) for layer in self.layers])

    def step(
        self, input_ids: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState]:
        """Decodes the next positions with the cache (evaluation mode: no dropout).

        Args:
            input_ids: (B, n) — the tokens at positions T .. T+n-1 (T = ``state.length``).
            state: the state after T positions.

        Returns:
            (B, n, V) logits for the tokens after each of them, and the state after T + n.
        """
        start = state.length
        if start + input_ids.shape[1] > self.max_length:
            raise ValueError(
                f"cannot decode past {self.max_length} positions (max_length of the decoder); "
                f"asked for {start + input_ids.shape[1]}"
            )
        hidden = self._embed(input_ids, start)
        caches = []
        for layer, cache in zip(self.layers, state.layers, strict=True):
            hidden, cache = cached_layer_step(layer, hidden, cache)
            caches.append(cache)
        return self._logits(hidden), DecoderState(caches)
