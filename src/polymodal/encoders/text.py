"""Text encoders over token ids from a tokenizer (padding id 0)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from polymodal.data.batch import Padded
from polymodal.encoders.output import EncoderOutput


class GRUTextEncoder(nn.Module):
    """Word embeddings and a (bi)GRU; the pooled vector is the final hidden state.

    Padding is packed away, so padded positions never reach the recurrence: a question encodes
    identically whatever the batch's longest question.

    Args:
        vocab_size: number of token ids (including padding id 0).
        dim: width D of the tokens and the pooled vector.
        embed_dim: width of the word embeddings.
        num_layers: stacked GRU layers.
        bidirectional: run a second GRU right to left and concatenate both directions.
        dropout: dropout on the embeddings.

    Shapes:
        text: Padded(values (B, L) long, mask (B, L)) → tokens (B, L, D), pooled (B, D).
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int = 128,
        embed_dim: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        directions = 2 if bidirectional else 1
        self.gru = nn.GRU(
            embed_dim,
            dim // directions,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        if dim % directions:
            raise ValueError(f"dim must be even for a bidirectional GRU, got {dim}")
        self.output_dim = dim

    def forward(self, text: Padded) -> EncoderOutput:
        embedded = self.dropout(self.embedding(text.values))
        lengths = text.lengths.clamp(min=1).cpu()
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        outputs, hidden = self.gru(packed)
        tokens, _ = pad_packed_sequence(outputs, batch_first=True, total_length=text.mask.shape[1])
        # hidden: (layers · directions, B, H); the last layer's directions, side by side.
        directions = 2 if self.gru.bidirectional else 1
        pooled = torch.cat(list(hidden[-directions:]), dim=-1)
        return EncoderOutput(tokens=tokens, mask=text.mask, pooled=pooled)


class BagOfWordsEncoder(nn.Module):
    """Mean of word embeddings over the real tokens, then a linear layer.

    Shapes:
        text: Padded(values (B, L) long, mask (B, L)) → tokens (B, L, D), pooled (B, D).
    """

    def __init__(self, vocab_size: int, dim: int = 128) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.project = nn.Linear(dim, dim)
        self.output_dim = dim

    def forward(self, text: Padded) -> EncoderOutput:
        tokens = self.embedding(text.values)
        weights = text.mask.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return EncoderOutput(tokens=tokens, mask=text.mask, pooled=self.project(mean))
