"""Fusion modules: ``{modality: EncoderOutput}`` in, a :class:`FusionOutput` out."""

from polymodal.fusion.concat import ConcatFusion
from polymodal.fusion.output import FusionOutput
from polymodal.fusion.product import ProductFusion

__all__ = ["ConcatFusion", "FusionOutput", "ProductFusion"]
