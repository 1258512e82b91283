"""Tiny vision-language models and batches shared by the retrieval and pre-training tests."""

from __future__ import annotations

import torch

from polymodal.data.batch import Batch, Padded
from polymodal.encoders import BertTextEncoder, ViTEncoder
from polymodal.fusion import CrossAttentionFusion
from polymodal.heads.text_decoder import TextDecoder
from polymodal.models.dual_encoder import DualEncoder
from polymodal.models.pretraining import DEFAULT_OBJECTIVES, PretrainingModel


def tiny_dual_encoder(vocab_size: int = 20, **kwargs: object) -> DualEncoder:
    """8×8 images in 2×2 patches of width 16, captions of width 12, a 6-d joint space."""
    torch.manual_seed(0)
    image = ViTEncoder(image_size=8, patch_size=4, dim=16, num_layers=1, num_heads=2)
    text = BertTextEncoder(
        vocab_size=vocab_size,
        dim=12,
        num_layers=1,
        num_heads=2,
        max_length=10,
        pooler=False,
        pooling="mean",
    )
    return DualEncoder(image, text, embed_dim=6, **kwargs)  # type: ignore[arg-type]


def tiny_pretraining_model(
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES,
) -> PretrainingModel:
    """With a caption decoder (untied output) when ``lm`` is an objective."""
    fusion = CrossAttentionFusion(
        {"caption": 12, "image": 16},
        dim=8,
        query="caption",
        context="image",
        num_layers=1,
        num_heads=2,
    )
    decoder = (
        TextDecoder(
            20,
            dim=8,
            num_layers=1,
            num_heads=2,
            max_length=10,
            memory_dim=16,
            tie_embeddings=False,
        )
        if "lm" in objectives
        else None
    )
    return PretrainingModel(
        tiny_dual_encoder(), fusion, vocab_size=20, objectives=objectives, caption_decoder=decoder
    )


def pair_batch(size: int = 3) -> Batch:
    """Random 8×8 images and 5-token captions (the first one padded after 3 tokens), each pair
    its own image id."""
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(2, 20, (size, 5), generator=generator)
    mask = torch.ones(size, 5, dtype=torch.bool)
    mask[0, 3:] = False
    return Batch(
        {
            "image": torch.randn(size, 3, 8, 8, generator=generator),
            "caption": Padded(ids.masked_fill(~mask, 0), mask),
            "image_id": torch.arange(size),
        }
    )
