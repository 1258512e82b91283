"""BLEU-1..4 exactly as ``pycocoevalcap`` computes it (``BleuScorer``, option "closest").

Conventions of the reference, kept here:

* corpus BLEU sums clipped n-gram matches and hypothesis n-grams over all images, then takes the
  geometric mean of the 1..n precisions, each smoothed as ``(matches + 1e-15) / (total + 1e-9)``;
* the reference length of an image is the length of its reference *closest* to the hypothesis,
  the shorter one on a tie; the brevity penalty ``exp(1 - r/c)`` applies to the corpus sums
  when the hypotheses are shorter;
* a hypothesis n-gram's count is clipped by its largest count in any single reference;
* tokens are the tokenised caption split on whitespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polymodal.metrics.captioning.ngrams import CaptionNGrams

_TINY = 1e-15
_SMALL = 1e-9


@dataclass(frozen=True)
class BleuResult:
    """BLEU-1..n of a corpus and of each image.

    Attributes:
        corpus: ``corpus[k]`` is BLEU-(k+1) of the whole corpus.
        per_image: ``per_image[k][i]`` is BLEU-(k+1) of image ``i`` alone (the reference's
            per-image score, with its own brevity penalty).
    """

    corpus: list[float]
    per_image: list[list[float]]


def _largest_reference_counts(ngrams: CaptionNGrams) -> np.ndarray:
    """For each hypothesis entry, the n-gram's largest count in one of the image's references."""
    size = ngrams.num_ngrams
    keys = ngrams.reference_image[ngrams.ref_caption] * size + ngrams.ref_ngram
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if not len(sorted_keys):
        return np.zeros(len(ngrams.hyp_count), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    unique_keys = sorted_keys[starts]
    largest = np.maximum.reduceat(ngrams.ref_count[order], starts)
    wanted = ngrams.hyp_image * size + ngrams.hyp_ngram
    position = np.minimum(np.searchsorted(unique_keys, wanted), len(unique_keys) - 1)
    return np.where(unique_keys[position] == wanted, largest[position], 0)


def _closest_reference_lengths(ngrams: CaptionNGrams) -> np.ndarray:
    """Each image's reference length nearest its hypothesis's, the shorter one on a tie."""
    lengths = ngrams.reference_lengths
    images = ngrams.reference_image
    distance = np.abs(lengths - ngrams.hypothesis_lengths[images])
    order = np.lexsort((lengths, distance, images))
    _, first = np.unique(images[order], return_index=True)
    return lengths[order[first]]


def bleu(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
    ngrams: CaptionNGrams | None = None,
) -> BleuResult:
    """BLEU of tokenised hypotheses against their references.

    Args:
        hypotheses: one token list per image.
        references: for each image, its reference token lists (at least one).
        max_n: the longest n-gram (4 for BLEU-4).
        ngrams: the captions' n-gram tables, if already built (they must match the captions).

    Returns:
        Corpus and per-image BLEU-1..``max_n``.
    """
    if ngrams is None:
        ngrams = CaptionNGrams.build(hypotheses, references, max_n)
    images = ngrams.num_images
    clipped = np.minimum(ngrams.hyp_count, _largest_reference_counts(ngrams))
    correct = np.bincount(
        ngrams.hyp_image * max_n + ngrams.hyp_order, weights=clipped, minlength=images * max_n
    ).reshape(images, max_n)
    test_lengths = ngrams.hypothesis_lengths.astype(np.float64)
    guess = np.maximum(0.0, test_lengths[:, None] - np.arange(max_n)[None, :])
    reference_lengths = _closest_reference_lengths(ngrams).astype(np.float64)

    # Per image: cumulative product of smoothed precisions, k-th root, brevity penalty.
    precision = (correct + _TINY) / (guess + _SMALL)
    per_image = np.cumprod(precision, axis=1) ** (1.0 / np.arange(1, max_n + 1))[None, :]
    ratio = (test_lengths + _TINY) / (reference_lengths + _SMALL)
    short = ratio < 1
    per_image[short] *= np.exp(1 - 1 / ratio[short])[:, None]

    total_ratio = (test_lengths.sum() + _TINY) / (reference_lengths.sum() + _SMALL)
    corpus_precision = (correct.sum(axis=0) + _TINY) / (guess.sum(axis=0) + _SMALL)
    corpus = np.cumprod(corpus_precision) ** (1.0 / np.arange(1, max_n + 1))
    if total_ratio < 1:
        corpus = corpus * np.exp(1 - 1 / total_ratio)
    return BleuResult([float(v) for v in corpus], per_image.T.tolist())
