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

# Fusion library (issue 4), appended so concurrent additions above do not conflict.
from polymodal.fusion.early import EarlyConcatFusion  # noqa: E402
from polymodal.fusion.film import FiLMFusion  # noqa: E402
from polymodal.fusion.gating import GatedMultimodalUnit, SoftmaxGatedFusion  # noqa: E402
from polymodal.fusion.graph import GraphFusion  # noqa: E402
from polymodal.fusion.late import WeightedLateFusion  # noqa: E402
from polymodal.fusion.low_rank import LowRankFusion  # noqa: E402
from polymodal.fusion.mcb import MCBFusion  # noqa: E402
from polymodal.fusion.mlb import MLBFusion  # noqa: E402
from polymodal.fusion.mutan import MUTANFusion  # noqa: E402
from polymodal.fusion.relation import RelationFusion  # noqa: E402
from polymodal.fusion.relational_attention import AttentionRelationFusion  # noqa: E402
from polymodal.fusion.tensor import TensorFusion  # noqa: E402

__all__ += [
    "AttentionRelationFusion",
    "EarlyConcatFusion",
    "FiLMFusion",
    "GatedMultimodalUnit",
    "GraphFusion",
    "LowRankFusion",
    "MCBFusion",
    "MLBFusion",
    "MUTANFusion",
    "RelationFusion",
    "SoftmaxGatedFusion",
    "TensorFusion",
    "WeightedLateFusion",
]
