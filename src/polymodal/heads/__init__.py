"""Heads: a :class:`~polymodal.fusion.FusionOutput` in, predictions (logits) out."""

from polymodal.heads.classification import MLPHead
from polymodal.heads.masked_lm import ClozeAnswerHead, MLMHead
from polymodal.heads.text_decoder import TextDecoder

__all__ = ["ClozeAnswerHead", "MLMHead", "MLPHead", "TextDecoder"]
