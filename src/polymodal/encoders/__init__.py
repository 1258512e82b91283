"""Encoders: one modality in, an :class:`EncoderOutput` out."""

from polymodal.encoders.image import ConvImageEncoder
from polymodal.encoders.output import EncoderOutput
from polymodal.encoders.text import BagOfWordsEncoder, GRUTextEncoder

__all__ = ["BagOfWordsEncoder", "ConvImageEncoder", "EncoderOutput", "GRUTextEncoder"]

# Transformer encoders (issue 3), appended so concurrent additions above do not conflict.
from polymodal.encoders.bert import BertTextEncoder
from polymodal.encoders.sequence import FeatureSequenceEncoder
from polymodal.encoders.vector import VectorEncoder
from polymodal.encoders.vit import ViTEncoder

__all__ += ["BertTextEncoder", "FeatureSequenceEncoder", "VectorEncoder", "ViTEncoder"]
