"""Heads: a :class:`~polymodal.fusion.FusionOutput` in, predictions (logits) out."""

from polymodal.heads.classification import MLPHead
from polymodal.heads.text_decoder import TextDecoder

__all__ = ["MLPHead", "TextDecoder"]
