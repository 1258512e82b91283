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

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from polymodal.metrics.captioning.ngrams import NGram, ngram_counts

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


def _clipped_matches(
    hypothesis: Counter[NGram], references: Sequence[Counter[NGram]], max_n: int
) -> list[int]:
    correct = [0] * max_n
    for ngram, count in hypothesis.items():
        best = 0
        for reference in references:
            reference_count = reference.get(ngram, 0)
            if reference_count > best:
                best = reference_count
        if best:
            correct[len(ngram) - 1] += min(best, count)
    return correct


def bleu(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
) -> BleuResult:
    """BLEU of tokenised hypotheses against their references.

    Args:
        hypotheses: one token list per image.
        references: for each image, its reference token lists (at least one).
        max_n: the longest n-gram (4 for BLEU-4).

    Returns:
        Corpus and per-image BLEU-1..``max_n``.
    """
    total_correct = [0] * max_n
    total_guess = [0] * max_n
    total_test = 0
    total_reference = 0
    per_image: list[list[float]] = [[] for _ in range(max_n)]
    for hypothesis, image_references in zip(hypotheses, references, strict=True):
        if not image_references:
            raise ValueError("BLEU needs at least one reference per image")
        test_length = len(hypothesis)
        hypothesis_counts = ngram_counts(list(hypothesis), max_n)
        reference_counts = [ngram_counts(list(reference), max_n) for reference in image_references]
        # "closest": the reference length nearest the hypothesis, the shorter one on a tie.
        reference_length = min((abs(len(r) - test_length), len(r)) for r in image_references)[1]
        correct = _clipped_matches(hypothesis_counts, reference_counts, max_n)
        guess = [max(0, test_length - k) for k in range(max_n)]
        total_test += test_length
        total_reference += reference_length
        score = 1.0
        for k in range(max_n):
            total_correct[k] += correct[k]
            total_guess[k] += guess[k]
            score *= (correct[k] + _TINY) / (guess[k] + _SMALL)
            per_image[k].append(score ** (1.0 / (k + 1)))
        ratio = (test_length + _TINY) / (reference_length + _SMALL)
        if ratio < 1:
            penalty = math.exp(1 - 1 / ratio)
            for k in range(max_n):
                per_image[k][-1] *= penalty
    corpus = []
    score = 1.0
    for k in range(max_n):
        score *= (total_correct[k] + _TINY) / (total_guess[k] + _SMALL)
        corpus.append(score ** (1.0 / (k + 1)))
    ratio = (total_test + _TINY) / (total_reference + _SMALL)
    if ratio < 1:
        corpus = [value * math.exp(1 - 1 / ratio) for value in corpus]
    return BleuResult(corpus, per_image)
