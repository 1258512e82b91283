"""Per-field sample transforms."""

from polymodal.data.transforms.image import ImageToTensor

__all__ = ["ImageToTensor"]

# Data augmentation (issue 10), appended so concurrent additions above do not conflict.
from polymodal.data.transforms.affine import RandomAffine, RandomRotation, RandomScale
from polymodal.data.transforms.color import ColorJitter
from polymodal.data.transforms.coordinates import AddCoordinates
from polymodal.data.transforms.cross_modal import (
    ConsistentColorJitter,
    ConsistentResizedCrop,
    TextGuard,
)
from polymodal.data.transforms.geometry import RandomHorizontalFlip, RandomResizedCrop
from polymodal.data.transforms.mirror import ConsistentHorizontalFlip
from polymodal.data.transforms.mixing import CutMix, Mixup
from polymodal.data.transforms.normalize import Normalize
from polymodal.data.transforms.policy import RandAugment
from polymodal.data.transforms.text import (
    EDA,
    RandomDeletion,
    RandomInsertion,
    RandomSwap,
    SynonymReplacement,
    WordMasking,
)

__all__ += [
    "EDA",
    "AddCoordinates",
    "ColorJitter",
    "ConsistentColorJitter",
    "ConsistentHorizontalFlip",
    "ConsistentResizedCrop",
    "CutMix",
    "Mixup",
    "Normalize",
    "RandAugment",
    "RandomAffine",
    "RandomDeletion",
    "RandomHorizontalFlip",
    "RandomInsertion",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomScale",
    "RandomSwap",
    "SynonymReplacement",
    "TextGuard",
    "WordMasking",
]
