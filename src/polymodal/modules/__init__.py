"""Modality-agnostic building blocks: attention, transformer layers, embeddings, pooling."""

from polymodal.modules.attention import AttentionOutput, MultiHeadAttention, scaled_dot_product
from polymodal.modules.conv_stem import ConvStem
from polymodal.modules.cross_attention import CrossAttentionLayer, CrossAttentionOutput
from polymodal.modules.decoder import DecoderLayerOutput, TransformerDecoderLayer
from polymodal.modules.embeddings import ModalityTypeEmbedding, PatchEmbedding
from polymodal.modules.feed_forward import ACTIVATIONS, FeedForward, activation_function
from polymodal.modules.masks import attention_mask, causal_mask
from polymodal.modules.pooling import last_real, masked_mean
from polymodal.modules.positions import (
    LearnedPatchPositionEmbedding,
    LearnedPositionEmbedding,
    SinusoidalPatchPositionEmbedding,
    SinusoidalPositionEmbedding,
    sinusoidal_grid_table,
    sinusoidal_table,
)
from polymodal.modules.transformer import (
    LayerOutput,
    TransformerEncoder,
    TransformerEncoderLayer,
    TransformerOutput,
)

__all__ = [
    "ACTIVATIONS",
    "AttentionOutput",
    "ConvStem",
    "CrossAttentionLayer",
    "CrossAttentionOutput",
    "DecoderLayerOutput",
    "FeedForward",
    "LayerOutput",
    "LearnedPatchPositionEmbedding",
    "LearnedPositionEmbedding",
    "ModalityTypeEmbedding",
    "MultiHeadAttention",
    "PatchEmbedding",
    "SinusoidalPatchPositionEmbedding",
    "SinusoidalPositionEmbedding",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "TransformerOutput",
    "activation_function",
    "attention_mask",
    "causal_mask",
    "last_real",
    "masked_mean",
    "scaled_dot_product",
    "sinusoidal_grid_table",
    "sinusoidal_table",
]
