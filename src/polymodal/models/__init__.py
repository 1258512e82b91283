"""Models composed from encoders, fusions and heads."""

from polymodal.models.multimodal import ModelOutput, MultimodalModel

__all__ = ["ModelOutput", "MultimodalModel"]
