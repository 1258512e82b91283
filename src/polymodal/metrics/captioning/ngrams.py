"""N-gram tables shared by BLEU and CIDEr-D: every caption's n-grams as integer arrays.

Counting with numpy instead of one ``Counter`` per caption is what makes scoring a COCO-size
set take a fraction of a second; the counts are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np


@dataclass(frozen=True)
class NGramTable:
    """Distinct n-grams of each caption, with their counts.

    Attributes:
        caption: (E,) caption index of each entry.
        ngram: (E,) n-gram id, unique across orders (equal ids are equal n-grams).
        order: (E,) the n-gram's order minus one (0 for unigrams).
        count: (E,) how often the n-gram occurs in the caption.
        lengths: (C,) each caption's number of tokens.
        num_ngrams: number of distinct n-gram ids.
    """

    caption: np.ndarray
    ngram: np.ndarray
    order: np.ndarray
    count: np.ndarray
    lengths: np.ndarray
    num_ngrams: int


def ngram_table(captions: Sequence[Sequence[str]], max_n: int = 4) -> NGramTable:
    """Builds the table of 1..``max_n``-grams of tokenised captions.

    Args:
        captions: token lists.
        max_n: the longest n-gram.
    """
    lengths = np.fromiter(map(len, captions), dtype=np.int64, count=len(captions))
    total = int(lengths.sum())
    words = list(chain.from_iterable(captions))
    vocabulary = {word: index for index, word in enumerate(dict.fromkeys(words))}
    tokens = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int64, count=total)
    vocabulary_size = max(len(vocabulary), 1)
    caption_of = np.repeat(np.arange(len(captions), dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    room = lengths[caption_of] - (np.arange(total, dtype=np.int64) - starts[caption_of])
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    offset = 0
    previous = tokens
    for n in range(1, max_n + 1):
        # Positions where an n-gram starts without crossing the caption's end.
        positions = np.flatnonzero(room >= n)
        if n == 1:
            ids, distinct = tokens, vocabulary_size
        else:
            # An n-gram is its leading (n-1)-gram's id followed by one token: pairs of small
            # integers, so the key never overflows however large the vocabulary.
            key = previous[positions] * vocabulary_size + tokens[positions + n - 1]
            unique, inverse = np.unique(key, return_inverse=True)
            ids, distinct = np.full(total, -1, dtype=np.int64), len(unique)
            ids[positions] = inverse.reshape(-1)
        previous = ids
        pairs, counts = np.unique(
            caption_of[positions] * distinct + ids[positions], return_counts=True
        )
        parts.append(
            (pairs // distinct, pairs % distinct + offset, np.full(len(pairs), n - 1), counts)
        )
        offset += distinct
    caption, ngram, order, count = (np.concatenate(column) for column in zip(*parts, strict=True))
    return NGramTable(caption, ngram, order, count, lengths, offset)


@dataclass(frozen=True)
class CaptionNGrams:
    """N-grams of one hypothesis and several references per image, as BLEU and CIDEr-D use them.

    Attributes:
        num_images: I.
        max_n: the longest n-gram.
        num_ngrams: number of distinct n-gram ids.
        hypothesis_lengths: (I,) tokens per hypothesis.
        reference_lengths: (R,) tokens per reference.
        reference_image: (R,) image of each reference.
        references_per_image: (I,).
        hyp_image, hyp_ngram, hyp_order, hyp_count: hypothesis entries, one per distinct n-gram.
        ref_caption, ref_ngram, ref_order, ref_count: reference entries (``ref_caption`` indexes
            the R references).
    """

    num_images: int
    max_n: int
    num_ngrams: int
    hypothesis_lengths: np.ndarray
    reference_lengths: np.ndarray
    reference_image: np.ndarray
    references_per_image: np.ndarray
    hyp_image: np.ndarray
    hyp_ngram: np.ndarray
    hyp_order: np.ndarray
    hyp_count: np.ndarray
    ref_caption: np.ndarray
    ref_ngram: np.ndarray
    ref_order: np.ndarray
    ref_count: np.ndarray

    @classmethod
    def build(
        cls,
        hypotheses: Sequence[Sequence[str]],
        references: Sequence[Sequence[Sequence[str]]],
        max_n: int = 4,
    ) -> CaptionNGrams:
        """Tables of tokenised hypotheses (one per image) and references (one or more each)."""
        if len(hypotheses) != len(references):
            raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} reference lists")
        per_image = np.array([len(image) for image in references], dtype=np.int64)
        if len(per_image) and per_image.min() == 0:
            raise ValueError("every image needs at least one reference")
        flat_references = [caption for image in references for caption in image]
        table = ngram_table([*flat_references, *hypotheses], max_n)
        count = len(flat_references)
        is_reference = table.caption < count
        is_hypothesis = ~is_reference
        return cls(
            num_images=len(hypotheses),
            max_n=max_n,
            num_ngrams=table.num_ngrams,
            hypothesis_lengths=table.lengths[count:],
            reference_lengths=table.lengths[:count],
            reference_image=np.repeat(np.arange(len(references), dtype=np.int64), per_image),
            references_per_image=per_image,
            hyp_image=table.caption[is_hypothesis] - count,
            hyp_ngram=table.ngram[is_hypothesis],
            hyp_order=table.order[is_hypothesis],
            hyp_count=table.count[is_hypothesis],
            ref_caption=table.caption[is_reference],
            ref_ngram=table.ngram[is_reference],
            ref_order=table.order[is_reference],
            ref_count=table.count[is_reference],
        )

    def hypothesis_lookup(
        self, image: np.ndarray, ngram: np.ndarray, values: np.ndarray
    ) -> np.ndarray:
        """For each (image, n-gram) pair, ``values`` of the hypothesis entry with them, else 0."""
        keys = self.hyp_image * self.num_ngrams + self.hyp_ngram
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        wanted = image * self.num_ngrams + ngram
        position = np.searchsorted(sorted_keys, wanted)
        position = np.minimum(position, max(len(sorted_keys) - 1, 0))
        if not len(sorted_keys):
            return np.zeros(len(wanted), dtype=values.dtype)
        found = sorted_keys[position] == wanted
        return np.where(found, values[order][position], 0)
