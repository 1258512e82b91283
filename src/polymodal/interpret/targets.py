"""What an explanation is about: one head's output for a chosen answer, as a score per sample."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

SCORES = ("probability", "sigmoid", "logit")


def head_logits(logits: Mapping[str, torch.Tensor], head: str | None) -> torch.Tensor:
    """The (B, C) logits of ``head`` (or of the model's only head)."""
    if head is None:
        if len(logits) != 1:
            raise ValueError(f"the model has heads {list(logits)}: name the one to explain")
        return next(iter(logits.values()))
    if head not in logits:
        raise ValueError(f"the model has no head {head!r}; heads: {list(logits)}")
    return logits[head]


def target_indices(target: int | torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor:
    """(B,) class indices: ``target`` for every sample, or each sample's best class."""
    batch, classes = logits.shape
    if target is None:
        return logits.argmax(dim=-1)
    indices = torch.as_tensor(target, device=logits.device, dtype=torch.long).expand(batch)
    if bool(((indices < 0) | (indices >= classes)).any()):
        raise ValueError(f"target {target} is outside the head's {classes} classes")
    return indices


def target_scores(logits: torch.Tensor, indices: torch.Tensor, score: str) -> torch.Tensor:
    """(B, C) logits → (B,) scores of the classes ``indices``.

    Args:
        logits: (B, C).
        indices: (B,) class per sample.
        score: ``"probability"`` (softmax), ``"sigmoid"`` (independent per class, for
            multi-label heads) or ``"logit"``.
    """
    logits = logits.float()
    if score == "probability":
        values = torch.softmax(logits, dim=-1)
    elif score == "sigmoid":
        values = torch.sigmoid(logits)
    elif score == "logit":
        values = logits
    else:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    return values.gather(1, indices.unsqueeze(1)).squeeze(1)


def encoder_of(model: nn.Module, modality: str) -> nn.Module:
    """The encoder of ``modality`` in a model with an ``encoders`` dict (MultimodalModel)."""
    encoders = getattr(model, "encoders", None)
    if not isinstance(encoders, nn.ModuleDict) or modality not in encoders:
        available = list(encoders) if isinstance(encoders, nn.ModuleDict) else []
        raise ValueError(f"the model has no encoder for {modality!r}; encoders: {available}")
    return encoders[modality]
