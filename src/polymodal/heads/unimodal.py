"""Auxiliary heads that read one modality's encoding instead of the fused vector."""

from __future__ import annotations

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput


class UnimodalHead(nn.Module):
    """Wraps any head so that it predicts from one modality alone (image-only, text-only).

    Trained beside the fused head, such a head pushes its encoder to carry the signal on its
    own — the auxiliary unimodal predictions of multi-task learning. The wrapped head sees the
    modality's encoding presented as a :class:`FusionOutput` (its ``pooled`` vector, tokens and
    mask), so every existing head works unchanged.

    A model routes ``encoded[modality]`` to this head (see
    :class:`~polymodal.models.multitask.MultitaskModel`); it cannot run on a fused output.

    Args:
        modality: the encoder (batch field) whose output the head reads.
        head: the head to apply, e.g. an :class:`~polymodal.heads.MLPHead` whose
            ``input_dim`` is that encoder's width.

    Shapes:
        encoded.pooled: (B, D) → the wrapped head's output, e.g. logits (B, num_classes).
    """

    def __init__(self, modality: str, head: nn.Module) -> None:
        super().__init__()
        self.modality = modality
        self.head = head

    def forward(self, encoded: EncoderOutput) -> torch.Tensor:
        as_fused = FusionOutput(pooled=encoded.pooled, tokens=encoded.tokens, mask=encoded.mask)
        logits: torch.Tensor = self.head(as_fused)
        return logits
