"""CIDEr-D exactly as ``pycocoevalcap``'s ``Cider`` computes it (it reports it as "CIDEr").

Conventions of the reference, kept here:

* n-grams of orders 1-4 are weighted by tf-idf, the document frequency of an n-gram being the
  number of *images* whose references contain it, counted over the references being scored
  (so a score depends on the whole set), and idf = log(#images) - log(max(1, df));
* hypothesis and reference vectors are compared per order with the clipped similarity
  Σ min(h, r)·r / (‖h‖·‖r‖), times a Gaussian length penalty exp(-Δ²/2σ²) with σ = 6;
* Δ is the difference of the captions' numbers of *bigrams* (the reference counts length
  there), which equals the difference in words except for empty and one-word captions;
* the image score is the mean over orders, averaged over its references, times 10; the corpus
  score is the mean over images.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from polymodal.metrics.captioning.ngrams import NGram, ngram_counts

SIGMA = 6.0


def _vectors(
    counts: Counter[NGram], idf: dict[NGram, float], default_idf: float, max_n: int
) -> tuple[list[dict[NGram, float]], list[float], int]:
    vectors: list[dict[NGram, float]] = [{} for _ in range(max_n)]
    squares = [0.0] * max_n
    bigrams = 0
    for ngram, count in counts.items():
        order = len(ngram) - 1
        weight = count * idf.get(ngram, default_idf)
        vectors[order][ngram] = weight
        squares[order] += weight * weight
        if order == 1:
            bigrams += count
    return vectors, [math.sqrt(value) for value in squares], bigrams


def cider_d(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
    sigma: float = SIGMA,
) -> tuple[float, list[float]]:
    """CIDEr-D of tokenised hypotheses against their references.

    Args:
        hypotheses: one token list per image.
        references: for each image, its reference token lists (at least one).
        max_n: the longest n-gram.
        sigma: the length penalty's standard deviation.

    Returns:
        The corpus score and the per-image scores.
    """
    hypothesis_counts = [ngram_counts(list(words), max_n) for words in hypotheses]
    reference_counts = [[ngram_counts(list(words), max_n) for words in image] for image in references]
    document_frequency: Counter[NGram] = Counter()
    for image in reference_counts:
        if not image:
            raise ValueError("CIDEr-D needs at least one reference per image")
        document_frequency.update(set().union(*image))
    log_images = math.log(float(len(reference_counts))) if reference_counts else 0.0
    idf = {ngram: log_images - math.log(max(1.0, df)) for ngram, df in document_frequency.items()}
    penalty_scale = 2 * sigma**2
    scores = []
    for hypothesis, image in zip(hypothesis_counts, reference_counts, strict=True):
        vector, norm, length = _vectors(hypothesis, idf, log_images, max_n)
        total = [0.0] * max_n
        for reference in image:
            reference_vector, reference_norm, reference_length = _vectors(
                reference, idf, log_images, max_n
            )
            penalty = math.exp(-((length - reference_length) ** 2) / penalty_scale)
            for order in range(max_n):
                reference_order = reference_vector[order]
                value = 0.0
                for ngram, weight in vector[order].items():
                    reference_weight = reference_order.get(ngram)
                    if reference_weight is not None:
                        value += min(weight, reference_weight) * reference_weight
                if norm[order] != 0 and reference_norm[order] != 0:
                    value /= norm[order] * reference_norm[order]
                total[order] += value * penalty
        scores.append(sum(total) / max_n / len(image) * 10.0)
    mean = sum(scores) / len(scores) if scores else 0.0
    return mean, scores
