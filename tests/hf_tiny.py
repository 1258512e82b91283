"""Tiny randomly initialised Hugging Face folders (BERT + WordPiece tokenizer, ViT +
preprocessor config), written with transformers' own ``save_pretrained``: nothing downloads."""

from __future__ import annotations

from pathlib import Path

import torch

WORDS = [
    "what",
    "is",
    "the",
    "shape",
    "color",
    "red",
    "blue",
    "green",
    "circle",
    "square",
    "triangle",
    "there",
    "a",
    "not",
    "in",
    "image",
    "does",
    "contain",
    "yellow",
    "gray",
    "black",
    "purple",
    "teal",
    "brown",
    "rectangle",
    "?",
    ",",
]


def tiny_bert(folder: Path, seed: int = 0, hidden: int = 16) -> Path:
    """A 2-layer BERT (hidden 16) with a WordPiece vocabulary of the words above."""
    import transformers

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    transformers.BertTokenizer(vocab=str(folder / "vocab.txt")).save_pretrained(folder)
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )  # fmt: skip
    torch.manual_seed(seed)
    transformers.BertModel(config).save_pretrained(folder)
    return folder


def tiny_vit(folder: Path, seed: int = 0, image_size: int = 16) -> Path:
    """A 1-layer ViT (hidden 16, 8×8 patches) and a preprocessor config resizing to its size."""
    import transformers

    folder.mkdir(parents=True, exist_ok=True)
    config = transformers.ViTConfig(
        image_size=image_size, patch_size=8, hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32,
    )  # fmt: skip
    torch.manual_seed(seed)
    transformers.ViTModel(config).save_pretrained(folder)
    transformers.ViTImageProcessor(
        size={"height": image_size, "width": image_size},
        image_mean=[0.5, 0.4, 0.3],
        image_std=[0.2, 0.25, 0.3],
    ).save_pretrained(folder)
    return folder
