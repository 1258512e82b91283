"""Encoder for streams of feature vectors (audio frames, facial-expression features, ...)."""

from __future__ import annotations

import math

import torch
from torch import nn

from polymodal.data.batch import Padded
from polymodal.encoders.output import EncoderOutput
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import last_real, masked_mean
from polymodal.modules.positions import LearnedPositionEmbedding, SinusoidalPositionEmbedding
from polymodal.modules.transformer import TransformerEncoder

POSITIONS = ("sinusoidal", "learned", "none")
POOLINGS = ("mean", "last")


class FeatureSequenceEncoder(nn.Module):
    """A 1-D convolution projects each frame's features to width D, then a pre-LN transformer
    over time, as MulT prepares each modality (Tsai et al. 2019, "Multimodal Transformer for
    Unaligned Multimodal Language Sequences", §3.1).

    Sequences of different lengths (unaligned modalities, or a batch of clips) arrive
    right-padded with a mask; padded frames are zeroed before the convolution and masked in
    attention, so a sequence encodes the same whatever padding follows it.

    Args:
        input_dim: features per frame F (read it from the data: e.g. 74 COVAREP, 35 FACET).
        dim: width D of the tokens.
        num_layers: transformer layers (0: the projected, position-embedded frames).
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (default 4·D).
        kernel_size: temporal width of the projection (odd, so lengths and masks are kept;
            1 is a per-frame linear projection).
        dropout: dropout on the embedded frames and on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        position: ``"sinusoidal"``, ``"learned"`` (up to ``max_length`` frames) or ``"none"``.
        max_length: number of learned positions.
        pooling: ``"mean"`` over real frames or ``"last"`` real frame (MulT).

    Shapes:
        features: Padded(values (B, T, F) float, mask (B, T) bool) or (B, T, F) without
        padding → tokens (B, T, D), mask (B, T), pooled (B, D).
    """

    def __init__(
        self,
        input_dim: int,
        dim: int = 64,
        num_layers: int = 2,
        num_heads: int = 4,
        ffn_dim: int | None = None,
        kernel_size: int = 1,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        position: str = "sinusoidal",
        max_length: int = 1024,
        pooling: str = "mean",
    ) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd so that every frame keeps its place, got {kernel_size}"
            )
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.input_dim = input_dim
        self.projection = nn.Conv1d(
            input_dim, dim, kernel_size, padding=kernel_size // 2, bias=False
        )
        self.position: nn.Module | None = None
        if position == "sinusoidal":
            self.position = SinusoidalPositionEmbedding(dim)
        elif position == "learned":
            self.position = LearnedPositionEmbedding(max_length, dim)
        # Scaled up so that fixed positions (values in [-1, 1]) do not drown the content
        # (Vaswani et al. 2017, §3.4; MulT does the same).
        self.scale = math.sqrt(dim)
        self.dropout = nn.Dropout(dropout)
        self.encoder = TransformerEncoder(
            num_layers, dim, num_heads, ffn_dim, dropout, attention_dropout, activation
        )
        self.pooling = pooling
        self.output_dim = dim
        init_transformer_weights(self)

    def forward(self, features: Padded | torch.Tensor) -> EncoderOutput:
        padded = Padded.of(features)
        values, mask = padded.values, padded.mask
        if values.dim() != 3 or values.shape[-1] != self.input_dim:
            raise ValueError(
                f"expected features of shape (B, T, {self.input_dim}), got {tuple(values.shape)}"
            )
        # Zero the padding so a convolution window reaching past a sequence's end sees what it
        # would see with no padding at all: the convolution's own zero padding.
        values = values * mask.unsqueeze(-1).to(values.dtype)
        embedded = self.projection(values.transpose(1, 2)).transpose(1, 2) * self.scale
        length = embedded.shape[1]
        if isinstance(self.position, SinusoidalPositionEmbedding):
            embedded = embedded + self.position(length, embedded.device, embedded.dtype)
        elif self.position is not None:
            embedded = embedded + self.position(length)
        hidden = self.encoder(self.dropout(embedded), key_padding_mask=mask).hidden
        pooled = masked_mean(hidden, mask) if self.pooling == "mean" else last_real(hidden, mask)
        return EncoderOutput(tokens=hidden, mask=mask, pooled=pooled)
