"""Fusion modules: ``{modality: EncoderOutput}`` in, a :class:`FusionOutput` out."""

from polymodal.fusion.concat import ConcatFusion
from polymodal.fusion.output import FusionOutput
from polymodal.fusion.product import ProductFusion

__all__ = ["ConcatFusion", "FusionOutput", "ProductFusion"]

# Attention fusions (issue 3), appended so concurrent additions above do not conflict.
from polymodal.fusion.co_attention import CoAttentionFusion
from polymodal.fusion.cross_attention import CrossAttentionFusion
from polymodal.fusion.mult import MulTFusion
from polymodal.fusion.single_stream import SingleStreamFusion

__all__ += ["CoAttentionFusion", "CrossAttentionFusion", "MulTFusion", "SingleStreamFusion"]
