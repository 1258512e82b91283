"""MulT: crossmodal transformers between every ordered pair of modalities."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.cross_attention import CrossAttentionLayer
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import last_real, masked_mean
from polymodal.modules.projection import width_projections
from polymodal.modules.transformer import TransformerEncoder

POOLINGS = ("last", "mean")


class CrossmodalTransformer(nn.Module):
    """Target tokens repeatedly attend to one source modality (the same low-level source
    tokens at every layer), pre-LN, with a final LayerNorm: MulT's CM_{β→α}.

    Shapes:
        target: (B, N_α, D); source: (B, N_β, D); source_mask: (B, N_β) → (B, N_α, D).
    """

    def __init__(
        self,
        num_layers: int,
        dim: int,
        num_heads: int,
        ffn_dim: int | None,
        dropout: float,
        attention_dropout: float,
        activation: str,
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            CrossAttentionLayer(dim, num_heads, ffn_dim, dropout, attention_dropout, activation)
            for _ in range(num_layers)
        )
        self.final_norm = nn.LayerNorm(dim)

    def forward(
        self,
        target: torch.Tensor,
        source: torch.Tensor,
        source_mask: torch.Tensor,
        return_weights: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        attentions = []
        for layer in self.layers:
            target, weights, _ = layer(target, source, source_mask, return_weights)
            if weights is not None:
                attentions.append(weights)
        return self.final_norm(target), attentions


class MulTFusion(nn.Module):
    """Multimodal Transformer (Tsai et al. 2019, "Multimodal Transformer for Unaligned
    Multimodal Language Sequences", ACL): for every target modality α and every other source
    β, a crossmodal transformer lets α's sequence attend to β's, softmax(Q_α K_βᵀ/√d) V_β, at
    every layer — no alignment between the modalities' time steps is needed, and sequences
    of different lengths are handled by their masks.

    The M−1 crossmodal outputs of a target are concatenated along features (width (M−1)·D),
    a self-attention transformer runs over them, and its last real time step summarises the
    target; the M summaries are concatenated, passed through a residual MLP and projected to D
    (MulT's output layers).

    Args:
        input_dims: modality name → token width (three in MulT: text, audio, vision; ≥ 2).
        dim: width D of the crossmodal streams (inputs are projected to it when their width
            differs) and of the fused vector.
        num_layers: layers of each crossmodal transformer.
        num_self_layers: layers of each target's self-attention transformer.
        num_heads: attention heads (must divide D and (M−1)·D).
        ffn_dim: feed-forward hidden width of the crossmodal layers (default 4·D).
        dropout: dropout on each sub-layer's output and in the output MLP.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation (MulT uses ReLU).
        pooling: ``"last"`` real time step (MulT) or ``"mean"`` over real steps.
        return_attentions: put the maps in the output: ``"<β>-><α>/<layer>"`` (B, heads,
            N_α, N_β) and ``"<α>/self/<layer>"``.

    Shapes:
        encoded[m].tokens: (B, N_m, D_m) with masks (N_m may differ) → pooled (B, D).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        num_layers: int = 2,
        num_self_layers: int = 1,
        num_heads: int = 4,
        ffn_dim: int | None = None,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: str = "relu",
        pooling: str = "last",
        return_attentions: bool = False,
    ) -> None:
        super().__init__()
        if len(input_dims) < 2:
            raise ValueError(f"MulTFusion needs at least two modalities, got {list(input_dims)}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.input_dims = dict(input_dims)
        self.modalities = list(input_dims)
        others = len(self.modalities) - 1
        self.projections = width_projections(input_dims, dim)
        self.crossmodal = nn.ModuleDict(
            {
                f"{source}_to_{target}": CrossmodalTransformer(
                    num_layers, dim, num_heads, ffn_dim, dropout, attention_dropout, activation
                )
                for target in self.modalities
                for source in self.modalities
                if source != target
            }
        )
        self.memory = nn.ModuleDict(
            {
                target: TransformerEncoder(
                    num_self_layers,
                    others * dim,
                    num_heads,
                    dropout=dropout,
                    attention_dropout=attention_dropout,
                    activation=activation,
                )
                for target in self.modalities
            }
        )
        combined = len(self.modalities) * others * dim
        self.residual = nn.Sequential(
            nn.Linear(combined, combined),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(combined, combined),
        )
        self.output = nn.Linear(combined, dim)
        self.pooling = pooling
        self.return_attentions = return_attentions
        self.output_dim = dim
        init_transformer_weights(self)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        tokens = {m: self.projections[m](encoded[m].tokens) for m in self.modalities}
        masks = {m: encoded[m].mask for m in self.modalities}
        attentions: dict[str, torch.Tensor] = {}
        summaries = []
        for target in self.modalities:
            streams = []
            for source in self.modalities:
                if source == target:
                    continue
                crossed, maps = self.crossmodal[f"{source}_to_{target}"](
                    tokens[target], tokens[source], masks[source], self.return_attentions
                )
                streams.append(crossed)
                attentions.update({f"{source}->{target}/{i}": w for i, w in enumerate(maps)})
            memory, maps = self.memory[target](
                torch.cat(streams, dim=-1),
                key_padding_mask=masks[target],
                return_weights=self.return_attentions,
            )
            attentions.update({f"{target}/self/{i}": w for i, w in enumerate(maps)})
            pool = last_real if self.pooling == "last" else masked_mean
            summaries.append(pool(memory, masks[target]))
        combined = torch.cat(summaries, dim=-1)
        combined = combined + self.residual(combined)
        return FusionOutput(pooled=self.output(combined), attentions=attentions)
