"""Single-stream fusion: one transformer over all modalities' tokens at once."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.embeddings import ModalityTypeEmbedding
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import masked_mean
from polymodal.modules.projection import width_projections
from polymodal.modules.transformer import TransformerEncoder

POOLINGS = ("first", "mean")


class SingleStreamFusion(nn.Module):
    """Concatenates the token sequences of all modalities, adds a learned modality-type
    embedding to each token, and runs one transformer over the joint sequence, so every layer
    attends within and across modalities alike — VisualBERT (Li et al. 2019, "VisualBERT: A
    Simple and Performant Baseline for Vision and Language", post-LN) and ViLT (Kim et al. 2021,
    "ViLT: Vision-and-Language Transformer Without Convolution or Region Supervision", pre-LN).

    The fused vector is ViLT's pooler, tanh(W h), over the first token of the joint sequence
    (the first modality's CLS token, e.g. ViT's) or over the mean of all real tokens.

    Args:
        input_dims: modality name → token width; the order is the order of concatenation
            and of the modality-type ids (0, 1, …).
        dim: width D (each modality is projected to it when its width differs).
        num_layers: transformer layers.
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (default 4·D).
        dropout: dropout on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        norm_first: pre-LN with a final LayerNorm (ViLT) when True, post-LN (VisualBERT) when
            False.
        layer_norm_eps: LayerNorm epsilon (ViLT uses 1e-12).
        pooling: ``"first"`` or ``"mean"``.
        return_attentions: put each layer's (B, heads, N, N) map over the joint sequence in
            the output as ``"joint/<layer>"`` (the last one (B, heads, 1, N) without tokens).
        return_tokens: return the fused token sequence. ``False`` (with ``pooling="first"``)
            computes the last layer for the first token only — it still attends to every
            token, so ``pooled`` is unchanged — and returns ``tokens=None``: for heads that
            read ``pooled`` only, it saves most of one layer's work.

    Shapes:
        encoded[m].tokens: (B, N_m, D_m) with masks → tokens (B, Σ N_m, D), mask (B, Σ N_m),
        pooled (B, D).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        num_layers: int = 2,
        num_heads: int = 4,
        ffn_dim: int | None = None,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        norm_first: bool = True,
        layer_norm_eps: float = 1e-5,
        pooling: str = "first",
        return_attentions: bool = False,
        return_tokens: bool = True,
    ) -> None:
        super().__init__()
        if not input_dims:
            raise ValueError("SingleStreamFusion needs at least one modality in input_dims")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if not return_tokens and pooling != "first":
            raise ValueError(
                "return_tokens=False needs pooling='first' (mean pooling reads every token)"
            )
        self.input_dims = dict(input_dims)
        self.projections = width_projections(input_dims, dim)
        self.modality_types = ModalityTypeEmbedding(len(input_dims), dim)
        self.encoder = TransformerEncoder(
            num_layers,
            dim,
            num_heads,
            ffn_dim,
            dropout,
            attention_dropout,
            activation,
            norm_first=norm_first,
            layer_norm_eps=layer_norm_eps,
        )
        self.pooler = nn.Linear(dim, dim)
        self.pooling = pooling
        self.return_attentions = return_attentions
        self.return_tokens = return_tokens
        self.output_dim = dim
        init_transformer_weights(self)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        tokens = torch.cat(
            [
                self.modality_types(self.projections[name](encoded[name].tokens), index)
                for index, name in enumerate(self.input_dims)
            ],
            dim=1,
        )
        mask = torch.cat([encoded[name].mask for name in self.input_dims], dim=1)
        hidden, weights = self.encoder(
            tokens,
            key_padding_mask=mask,
            return_weights=self.return_attentions,
            num_outputs=None if self.return_tokens else 1,
        )
        summary = hidden[:, 0] if self.pooling == "first" else masked_mean(hidden, mask)
        return FusionOutput(
            pooled=torch.tanh(self.pooler(summary)),
            tokens=hidden if self.return_tokens else None,
            mask=mask if self.return_tokens else None,
            attentions={f"joint/{index}": w for index, w in enumerate(weights)},
        )
