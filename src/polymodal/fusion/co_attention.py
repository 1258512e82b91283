"""Co-attention: two streams, each attending to the other (ViLBERT's co-TRM)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.cross_attention import CrossAttentionLayer
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import masked_mean
from polymodal.modules.projection import width_projections
from polymodal.modules.transformer import TransformerEncoderLayer


class CoAttentionFusion(nn.Module):
    """Two token streams exchange information layer by layer, as in ViLBERT (Lu et al. 2019,
    "ViLBERT: Pretraining Task-Agnostic Visiolinguistic Representations for Vision-and-Language
    Tasks", §3.1, Fig. 2b).

    Each layer is a co-attentional transformer block: stream A's queries attend to stream B's
    keys and values while B's queries attend to A's (both from the same inputs), each followed
    by its own feed-forward block; then, optionally, each stream runs a self-attention layer of
    its own (ViLBERT interleaves co-TRM and TRM layers). The fused vector is the element-wise
    product of the two streams' pooled vectors, tanh(W_A mean(A)) ⊙ tanh(W_B mean(B)), ViLBERT's
    combination for VQA.

    Args:
        input_dims: the two modalities (name → token width); their order names the streams.
        dim: width D of both streams (each is projected to it when its width differs).
        num_layers: co-attention layers.
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (default 4·D).
        dropout: dropout on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        norm_first: pre-LN (with final LayerNorms) when True, post-LN (ViLBERT, BERT) when False.
        self_attention: follow each co-attention block with a self-attention layer per stream.
        return_attentions: put the maps in the output: ``"<a>-><b>/<layer>"`` (B, heads, N_a,
            N_b), ``"<b>-><a>/<layer>"`` and, with self-attention, ``"<a>/<layer>"``.

    Shapes:
        encoded[a].tokens: (B, N_a, D_a), encoded[b].tokens: (B, N_b, D_b) with masks →
        pooled (B, D), tokens (B, N_a + N_b, D) (both streams, A first), mask (B, N_a + N_b).
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
        norm_first: bool = False,
        self_attention: bool = True,
        return_attentions: bool = False,
    ) -> None:
        super().__init__()
        if len(input_dims) != 2:
            raise ValueError(
                f"CoAttentionFusion fuses exactly two modalities, got {list(input_dims)}"
            )
        self.input_dims = dict(input_dims)
        self.streams = list(input_dims)
        self.projections = width_projections(input_dims, dim)
        layer_args = (dim, num_heads, ffn_dim, dropout, attention_dropout, activation, norm_first)
        self.cross_layers = nn.ModuleList(
            nn.ModuleDict({name: CrossAttentionLayer(*layer_args) for name in self.streams})
            for _ in range(num_layers)
        )
        self.self_layers = nn.ModuleList(
            nn.ModuleDict({name: TransformerEncoderLayer(*layer_args) for name in self.streams})
            for _ in range(num_layers if self_attention else 0)
        )
        self.final_norms = (
            nn.ModuleDict({name: nn.LayerNorm(dim) for name in self.streams})
            if norm_first
            else None
        )
        self.poolers = nn.ModuleDict({name: nn.Linear(dim, dim) for name in self.streams})
        self.return_attentions = return_attentions
        self.output_dim = dim
        init_transformer_weights(self)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        first, second = self.streams
        masks = {name: encoded[name].mask for name in self.streams}
        hidden = {name: self.projections[name](encoded[name].tokens) for name in self.streams}
        partner = {first: second, second: first}
        attentions: dict[str, torch.Tensor] = {}
        for index, block in enumerate(self.cross_layers):
            cross = cast(nn.ModuleDict, block)
            # Both directions read the inputs of this layer, not each other's outputs.
            updated = {}
            for name in self.streams:
                other = partner[name]
                updated[name], weights, _ = cross[name](
                    hidden[name], hidden[other], masks[other], self.return_attentions
                )
                if weights is not None:
                    attentions[f"{name}->{other}/{index}"] = weights
            hidden = updated
            if index < len(self.self_layers):
                own = cast(nn.ModuleDict, self.self_layers[index])
                for name in self.streams:
                    hidden[name], weights = own[name](
                        hidden[name], masks[name], return_weights=self.return_attentions
                    )
                    if weights is not None:
                        attentions[f"{name}/{index}"] = weights
        if self.final_norms is not None:
            hidden = {name: self.final_norms[name](hidden[name]) for name in self.streams}
        pooled = torch.tanh(self.poolers[first](masked_mean(hidden[first], masks[first])))
        pooled = pooled * torch.tanh(
            self.poolers[second](masked_mean(hidden[second], masks[second]))
        )
        return FusionOutput(
            pooled=pooled,
            tokens=torch.cat([hidden[first], hidden[second]], dim=1),
            mask=torch.cat([masks[first], masks[second]], dim=1),
            attentions=attentions,
        )
