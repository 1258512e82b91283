"""Vision Transformer image encoder (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from polymodal.encoders import _convert_weights
from polymodal.encoders.output import EncoderOutput
from polymodal.modules.embeddings import PatchEmbedding
from polymodal.modules.init import init_transformer_weights
from polymodal.modules.pooling import masked_mean
from polymodal.modules.positions import (
    LearnedPatchPositionEmbedding,
    SinusoidalPatchPositionEmbedding,
)
from polymodal.modules.transformer import TransformerEncoder

POOLINGS = ("cls", "mean", "pooler")
POSITIONS = ("learned", "sinusoidal")


def _pair(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    height, width = (int(s) for s in size)
    return height, width


class ViTEncoder(nn.Module):
    """Patches → linear projection, a learned CLS token, learned positions, pre-LN layers.

    The module layout follows the Hugging Face ``ViTModel`` closely enough that its
    checkpoints load through a name mapping (:meth:`from_pretrained`), and gives the same
    hidden states.

    Args:
        image_size: native image size, ``H`` or ``(H, W)``; the patch size must divide it.
            Other sizes divisible by the patch size also work: the position grid is resized.
        patch_size: P, the side of the square patches.
        in_channels: image channels.
        dim: width D of the tokens.
        num_layers: transformer layers (0: patch, CLS and position embeddings only, as the
            image side of a ViLT-style single-stream model).
        num_heads: attention heads.
        ffn_dim: feed-forward hidden width (default 4·D).
        dropout: dropout on the embeddings and on each sub-layer's output.
        attention_dropout: dropout on the attention weights.
        activation: feed-forward activation.
        layer_norm_eps: LayerNorm epsilon.
        qkv_bias: biases on the query, key and value projections.
        pooling: the pooled vector: ``"cls"`` (the CLS token's final state), ``"mean"`` (mean
            of the patch tokens) or ``"pooler"`` (tanh(W · CLS), needs ``pooler=True``).
        pooler: build the dense+tanh pooler (as ``ViTModel(add_pooling_layer=True)``).
        final_norm: LayerNorm after the last layer (ViT has one; switch it off for an
            embedding-only encoder whose tokens go on into another transformer).
        position: ``"learned"`` positions (ViT; resized for other image sizes) or fixed 2-D
            ``"sinusoidal"`` ones, which give a model trained from scratch the layout of the
            patch grid from the first step.
        stem: a convolutional stem whose feature map is cut into patches instead of the
            pixels — the hybrid ViT (§3.1 of the paper), e.g. :class:`polymodal.modules.ConvStem`;
            it must have int attributes ``in_channels``, ``out_channels`` and ``reduction``.
            Trained from scratch on a few thousand images, a hybrid learns shapes in a few
            epochs where a plain ViT needs many more.

    Shapes:
        image: (B, C, H, W) float → tokens (B, 1 + (H/S)·(W/S), D) with the CLS token first,
        mask (B, 1 + (H/S)·(W/S)) all True, pooled (B, D); S = P, or P × the stem's reduction.
    """

    def __init__(
        self,
        image_size: int | Sequence[int] = 224,
        patch_size: int = 16,
        in_channels: int = 3,
        dim: int = 768,
        num_layers: int = 12,
        num_heads: int = 12,
        ffn_dim: int | None = None,
        dropout: float = 0.0,
        attention_dropout: float = 0.0,
        activation: str = "gelu",
        layer_norm_eps: float = 1e-12,
        qkv_bias: bool = True,
        pooling: str = "cls",
        pooler: bool = False,
        final_norm: bool = True,
        position: str = "learned",
        stem: nn.Module | None = None,
    ) -> None:
        super().__init__()
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "pooler" and not pooler:
            raise ValueError("pooling='pooler' needs pooler=True")
        self.patch_embedding = PatchEmbedding(patch_size, in_channels, dim, stem)
        grid = self.grid(*_pair(image_size))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position: LearnedPatchPositionEmbedding | SinusoidalPatchPositionEmbedding
        if position == "learned":
            self.position = LearnedPatchPositionEmbedding(grid, dim, num_prefix_tokens=1)
        else:
            self.position = SinusoidalPatchPositionEmbedding(dim)
        self.dropout = nn.Dropout(dropout)
        self.encoder = TransformerEncoder(
            num_layers,
            dim,
            num_heads,
            ffn_dim,
            dropout,
            attention_dropout,
            activation,
            norm_first=True,
            layer_norm_eps=layer_norm_eps,
            qkv_bias=qkv_bias,
            final_norm=final_norm,
        )
        self.pooler = nn.Linear(dim, dim) if pooler else None
        self.pooling = pooling
        self.output_dim = dim
        # The stem, if any, keeps its own (convolutional) initialisation.
        for part in (self.patch_embedding.projection, self.encoder, self.pooler):
            if part is not None:
                init_transformer_weights(part)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        if isinstance(self.position, LearnedPatchPositionEmbedding):
            nn.init.trunc_normal_(self.position.weight, std=0.02)

    @classmethod
    def from_pretrained(cls, path: str | Path, **overrides: Any) -> ViTEncoder:
        """Builds the encoder from a Hugging Face ``ViTModel`` folder (``config.json`` and
        safetensors) and loads its weights.

        Args:
            path: the local checkpoint folder.
            **overrides: constructor arguments that replace those read from ``config.json``
                (e.g. ``pooling="mean"``, ``dropout=0.1``).

        Raises:
            CheckpointError: the folder lacks files, or its tensors do not map one to one
                onto the encoder (names the missing and unexpected keys).
        """
        arguments = _convert_weights.vit_arguments(
            _convert_weights.read_config(path), f"{path}/config.json"
        )
        arguments["pooler"] = _convert_weights.has_pooler(path)
        arguments.update(overrides)
        encoder = cls(**arguments)
        _convert_weights.load_checkpoint(encoder, path, _convert_weights.VIT)
        return encoder

    def grid(self, height: int, width: int) -> tuple[int, int]:
        """(rows, columns) of patch tokens for an image of this size (see
        :meth:`PatchEmbedding.grid`)."""
        return self.patch_embedding.grid(height, width)

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        rows, columns = self.grid(image.shape[-2], image.shape[-1])
        patches = self.patch_embedding(image)  # (B, rows·columns, D)
        cls = self.cls_token.expand(patches.shape[0], -1, -1)
        if isinstance(self.position, LearnedPatchPositionEmbedding):
            tokens = torch.cat([cls, patches], dim=1) + self.position(rows, columns)
        else:
            # Fixed positions code the patch grid only; the CLS token has no position.
            grid = self.position(rows, columns, patches.device).to(patches.dtype)
            tokens = torch.cat([cls, patches + grid], dim=1)
        hidden = self.encoder(self.dropout(tokens)).hidden
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        elif self.pooling == "mean":
            pooled = masked_mean(hidden[:, 1:], None)
        else:
            assert self.pooler is not None
            pooled = torch.tanh(self.pooler(hidden[:, 0]))
        mask = torch.ones(hidden.shape[:2], dtype=torch.bool, device=hidden.device)
        return EncoderOutput(tokens=hidden, mask=mask, pooled=pooled)
