"""Heads: a :class:`~polymodal.fusion.FusionOutput` in, predictions (logits) out."""

from polymodal.heads.classification import MLPHead

__all__ = ["MLPHead"]
