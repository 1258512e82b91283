"""The captioning language-modelling loss: next-token cross-entropy under teacher forcing,
with label smoothing.

Teacher forcing (Williams & Zipser 1989) feeds the reference caption's tokens and trains the
decoder to predict each next one; label smoothing (Szegedy et al. 2016) spreads ε of each
target's probability over the vocabulary, as in the transformer of Vaswani et al. 2017.
The same function is the captioning-LM objective of image-text pre-training (BLIP's LM loss,
CoCa's captioning loss).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn


class TeacherForcing(NamedTuple):
    """A caption split into decoder inputs and targets.

    Attributes:
        inputs: (B, T-1) — the start token and the caption, without the last token.
        targets: (B, T-1) — the caption and the end token (inputs shifted by one).
        mask: (B, T-1) bool — True where the target is a real token.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor


def teacher_forcing(caption_ids: torch.Tensor, caption_mask: torch.Tensor) -> TeacherForcing:
    """Shifts ``[start, w_1 … w_n, end, pad …]`` into inputs and next-token targets.

    Args:
        caption_ids: (B, T) long, each row the start token, the caption and the end token,
            right-padded.
        caption_mask: (B, T) bool, True for real tokens.
    """
    if caption_ids.dim() != 2 or caption_ids.shape != caption_mask.shape:
        raise ValueError(
            f"caption_ids and caption_mask must both be (B, T); got {tuple(caption_ids.shape)} "
            f"and {tuple(caption_mask.shape)}"
        )
    if caption_ids.shape[1] < 2:
        raise ValueError(
            "captions need a start token and at least one more token (the end token); "
            f"got sequences of length {caption_ids.shape[1]}"
        )
    return TeacherForcing(caption_ids[:, :-1], caption_ids[:, 1:], caption_mask[:, 1:])


def caption_lm_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Mean cross-entropy over the real target tokens of a batch.

    Args:
        logits: (B, T, V) next-token logits.
        targets: (B, T) long target ids.
        mask: (B, T) bool, True where the target counts.
        label_smoothing: ε in [0, 1): the target distribution is (1-ε)·one-hot + ε/V.

    Returns:
        A scalar: the sum of the real tokens' losses over their number (each token weighs the
        same, so long captions weigh more than short ones, as in standard LM training).
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    if logits.shape[:2] != targets.shape or targets.shape != mask.shape:
        raise ValueError(
            f"logits (B, T, V), targets (B, T) and mask (B, T) disagree: {tuple(logits.shape)}, "
            f"{tuple(targets.shape)}, {tuple(mask.shape)}"
        )
    per_token = F.cross_entropy(
        logits.float().flatten(0, 1),
        targets.flatten(),
        reduction="none",
        label_smoothing=label_smoothing,
    )
    weights = mask.flatten().to(per_token.dtype)
    return (per_token * weights).sum() / weights.sum().clamp(min=1.0)


def caption_lm_loss_from_memory(
    decoder: nn.Module,
    memory: torch.Tensor,
    memory_mask: torch.Tensor | None,
    caption_ids: torch.Tensor,
    caption_mask: torch.Tensor,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """The captioning LM loss of a decoder on image tokens (or any memory).

    Args:
        decoder: a :class:`~polymodal.heads.text_decoder.TextDecoder` (any module taking
            ``(input_ids, memory, memory_mask)`` and returning (B, T, V) logits).
        memory: (B, M, D_m), e.g. an image encoder's ``tokens``.
        memory_mask: (B, M) bool, or ``None``.
        caption_ids: (B, T) start token, caption, end token, right-padded.
        caption_mask: (B, T) bool.
        label_smoothing: ε of :func:`caption_lm_loss`.
    """
    shifted = teacher_forcing(caption_ids, caption_mask)
    logits = decoder(shifted.inputs, memory, memory_mask)
    return caption_lm_loss(logits, shifted.targets, shifted.mask, label_smoothing)
