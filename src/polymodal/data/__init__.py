"""Data: datasets, tokenizers, transforms and collation into batches."""

from polymodal.data.batch import Batch, Padded, collate
from polymodal.data.tokenizers import WordTokenizer

__all__ = ["Batch", "Padded", "WordTokenizer", "collate"]
