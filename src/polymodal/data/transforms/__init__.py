"""Per-field sample transforms."""

from polymodal.data.transforms.image import ImageToTensor

__all__ = ["ImageToTensor"]
