"""Decoding strategies for sequence generation with a key/value cache: greedy search, batched
beam search with a length penalty and n-best lists, nucleus sampling."""

from polymodal.generation.base import DecodingStrategy, Generated, IncrementalDecoder
from polymodal.generation.beam import BeamSearch, length_penalty
from polymodal.generation.greedy import GreedySearch
from polymodal.generation.sampling import NucleusSampling, nucleus_filter

__all__ = [
    "BeamSearch",
    "DecodingStrategy",
    "Generated",
    "GreedySearch",
    "IncrementalDecoder",
    "NucleusSampling",
    "length_penalty",
    "nucleus_filter",
]
