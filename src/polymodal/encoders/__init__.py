"""Encoders: one modality in, an :class:`EncoderOutput` out."""

from polymodal.encoders.image import ConvImageEncoder
from polymodal.encoders.output import EncoderOutput
from polymodal.encoders.text import BagOfWordsEncoder, GRUTextEncoder

__all__ = ["BagOfWordsEncoder", "ConvImageEncoder", "EncoderOutput", "GRUTextEncoder"]
