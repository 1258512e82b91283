"""Models composed from encoders, fusions and heads."""

from polymodal.models.captioner import Captioner
from polymodal.models.dual_encoder import DualEncoder, DualEncoderOutput
from polymodal.models.multimodal import ModelOutput, MultimodalModel
from polymodal.models.pretraining import PretrainingModel, PretrainingOutput

__all__ = [
    "Captioner",
    "DualEncoder",
    "DualEncoderOutput",
    "ModelOutput",
    "MultimodalModel",
    "PretrainingModel",
    "PretrainingOutput",
]
