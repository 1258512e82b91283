"""Cross-modal attention: one modality's tokens query another's."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.cross_attention import CrossAttentionLayer
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import masked_mean
from polymodal.modules.transformer import TransformerEncoderLayer


class CrossAttentionFusion(nn.Module):
    """The query modality (the question) attends to the context modality (the image):
    softmax(Q_t K_iᵀ / √d_k) V_i, with Q from the question tokens and K, V from the image
    tokens, then a feed-forward block — a stack of such layers.

    This is the encoder–decoder attention of Vaswani et al. 2017 used across modalities, the
    "guided attention" unit of MCAN (Yu et al. 2019, "Deep Modular Co-Attention Networks for
    Visual Question Answering") with the question as the guide. Each question token gathers the
    image regions it refers to; the fused vector is the mean of the attended question tokens.

    Args:
        input_dims: modality name → token width; must hold ``query`` and ``context``.
        dim: width D of the fused tokens (the query tokens are projected to it when their width
            differs; the context keeps its width and is projected inside attention).
        query: the modality whose tokens ask.
        context: the modality whose tokens answer (keys and values).
        num_layers: cross-attention layers.
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (default 4·D).
        dropout: dropout on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        norm_first: pre-LN (with a final LayerNorm) when True, post-LN when False.
        normalize_context: with pre-LN, LayerNorm the context tokens in each layer; False keeps
            their scale, so coordinates they carry stay comparable between tokens (see
            :class:`~polymodal.modules.cross_attention.CrossAttentionLayer`).
        self_attention: follow each cross-attention layer with a self-attention layer over the
            query tokens (a transformer decoder layer without its mask, MCAN's decoder), so
            what one word found can steer where another looks next: "closest to the red
            object" needs the red object's place before the closest object can be found.
        distance_bias: in each cross-attention layer, every query token finds an anchor by
            attention and each head's scores rise or fall with a token's distance from it
            (:class:`~polymodal.modules.anchor_distance.AnchorDistanceBias`: "the object
            closest to the red one"); the context encoder must return token positions
            (``ConvImageEncoder(cell_coordinates=True)``).
        anchor: with ``distance_bias``, which attention finds each word's anchor: ``"head"``
            (one of the bias's own), ``"mixture"`` or ``"sharpest"`` (of the layer's own
            heads: see :class:`~polymodal.modules.anchor_distance.AnchorDistanceBias`).
        shared_anchor: with ``distance_bias``, only the first layer finds anchors; every
            later layer measures distances from them. A layer's anchor and its distances
            compete for the same heads — the colour word's heads must look at the object
            to place the anchor, and away from it to find the object closest to it — so the
            first layer finds the object and the later ones relate to it.
        gathers_shared_rows: a context shared between samples (one image, several questions)
            comes once per distinct image and each layer normalises and projects it once per
            image (``EncoderOutput.rows``); False has the model gather it to one row per
            sample first — the same result, at more cost.
        return_attentions: put each layer's (B, heads, N_query, N_context) map in the output as
            ``"<query>-><context>/<layer>"``, and with self-attention its (B, heads, N_query,
            N_query) map as ``"<query>/<layer>"`` (settable later as an attribute).

    Shapes:
        encoded[query].tokens: (B, N_q, D_q), encoded[context].tokens: (B, N_c, D_c), with
        masks → pooled (B, D), tokens (B, N_q, D), mask (B, N_q).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        query: str = "question",
        context: str = "image",
        num_layers: int = 2,
        num_heads: int = 4,
        ffn_dim: int | None = None,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        norm_first: bool = True,
        normalize_context: bool = True,
        self_attention: bool = False,
        distance_bias: bool = False,
        anchor: str = "head",
        shared_anchor: bool = False,
        gathers_shared_rows: bool = True,
        return_attentions: bool = False,
    ) -> None:
        super().__init__()
        for role, name in (("query", query), ("context", context)):
            if name not in input_dims:
                raise ValueError(f"{role}={name!r} is not one of input_dims {list(input_dims)}")
        if (shared_anchor or anchor != "head") and not distance_bias:
            raise ValueError(
                f"anchor={anchor!r}, shared_anchor={shared_anchor} choose the distance bias's "
                "anchors: they need distance_bias=True"
            )
        if query == context:
            raise ValueError(f"query and context must be different modalities, got {query!r}")
        self.input_dims = dict(input_dims)
        self.query, self.context = query, context
        width = input_dims[query]
        self.query_projection = nn.Identity() if width == dim else nn.Linear(width, dim)
        self.layers = nn.ModuleList(
            CrossAttentionLayer(
                dim,
                num_heads,
                ffn_dim,
                dropout,
                attention_dropout,
                activation,
                norm_first,
                context_dim=input_dims[context],
                normalize_context=normalize_context,
                distance_bias=distance_bias,
                anchor=anchor if index == 0 or not shared_anchor else "given",
            )
            for index in range(num_layers)
        )
        self.self_layers = nn.ModuleList(
            TransformerEncoderLayer(
                dim, num_heads, ffn_dim, dropout, attention_dropout, activation, norm_first
            )
            for _ in range(num_layers if self_attention else 0)
        )
        self.final_norm = nn.LayerNorm(dim) if norm_first else None
        self.return_attentions = return_attentions
        self.gathers_shared_rows = gathers_shared_rows
        self.shared_anchor = shared_anchor
        self.output_dim = dim
        init_transformer_weights(self)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        asking, answering = encoded[self.query].gathered(), encoded[self.context]
        rows = answering.rows
        # Image cells are all real: without a mask no layer spends a masked fill on nothing.
        context_mask = None
        if not bool(answering.mask.all()):
            context_mask = answering.mask if rows is None else answering.mask[rows]
        hidden = self.query_projection(asking.tokens)
        attentions: dict[str, torch.Tensor] = {}
        anchors = None
        for index, layer in enumerate(self.layers):
            hidden, weights, found = layer(
                hidden,
                answering.tokens,
                context_mask,
                return_weights=self.return_attentions,
                positions=answering.positions,
                context_rows=rows,
                anchors=anchors,
            )
            if self.shared_anchor and anchors is None:
                anchors = found
            if weights is not None:
                attentions[f"{self.query}->{self.context}/{index}"] = weights
            if self.self_layers:
                hidden, weights = self.self_layers[index](
                    hidden, asking.mask, return_weights=self.return_attentions
                )
                if weights is not None:
                    attentions[f"{self.query}/{index}"] = weights
        if self.final_norm is not None:
            hidden = self.final_norm(hidden)
        pooled = masked_mean(hidden, asking.mask)
        return FusionOutput(pooled=pooled, tokens=hidden, mask=asking.mask, attentions=attentions)
