"""CIDEr-D exactly as ``pycocoevalcap``'s ``Cider`` computes it (it reports it as "CIDEr").

Conventions of the reference, kept here:

* n-grams of orders 1-4 are weighted by tf-idf, the document frequency of an n-gram being the
  number of *images* whose references contain it, counted over the references being scored
  (so a score depends on the whole set), and idf = log(#images) - log(max(1, df));
* hypothesis and reference vectors are compared per order with the clipped similarity
  Σ min(h, r)·r / (‖h‖·‖r‖), times a Gaussian length penalty exp(-Δ²/2σ²) with σ = 6;
* Δ is the difference of the captions' numbers of *bigrams* (the reference counts length
  there), which equals the difference in words except against an empty caption, whose
  similarity is 0 anyway;
* the image score is the mean over orders, averaged over its references, times 10; the corpus
  score is the mean over images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from polymodal.metrics.captioning.ngrams import CaptionNGrams

SIGMA = 6.0


def cider_d(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
    sigma: float = SIGMA,
    ngrams: CaptionNGrams | None = None,
) -> tuple[float, list[float]]:
    """CIDEr-D of tokenised hypotheses against their references.

    Args:
        hypotheses: one token list per image.
        references: for each image, its reference token lists (at least one).
        max_n: the longest n-gram.
        sigma: the length penalty's standard deviation.
        ngrams: the captions' n-gram tables, if already built (they must match the captions).

    Returns:
        The corpus score and the per-image scores.
    """
    if ngrams is None:
        ngrams = CaptionNGrams.build(hypotheses, references, max_n)
    images = ngrams.num_images
    if images == 0:
        return 0.0, []
    size = ngrams.num_ngrams
    reference_image = ngrams.reference_image[ngrams.ref_caption]

    # Document frequency: in how many images' reference sets each n-gram occurs.
    present = np.sort(reference_image * size + ngrams.ref_ngram)
    present = present[np.r_[True, present[1:] != present[:-1]]] if len(present) else present
    document_frequency = np.bincount(present % size, minlength=size)
    log_images = np.log(float(images))
    idf = log_images - np.log(np.maximum(1.0, document_frequency))

    hyp_weight = ngrams.hyp_count * idf[ngrams.hyp_ngram]
    ref_weight = ngrams.ref_count * idf[ngrams.ref_ngram]
    reference_count = len(ngrams.reference_lengths)
    hyp_norm = np.sqrt(
        np.bincount(ngrams.hyp_image * max_n + ngrams.hyp_order, hyp_weight**2, images * max_n)
    ).reshape(images, max_n)
    ref_norm = np.sqrt(
        np.bincount(
            ngrams.ref_caption * max_n + ngrams.ref_order, ref_weight**2, reference_count * max_n
        )
    ).reshape(reference_count, max_n)

    # Clipped similarity: Σ min(h, r)·r over the n-grams a reference shares with its hypothesis.
    matched = ngrams.hypothesis_lookup(reference_image, ngrams.ref_ngram, hyp_weight)
    shared = np.minimum(matched, ref_weight) * ref_weight
    similarity = np.bincount(
        ngrams.ref_caption * max_n + ngrams.ref_order, shared, reference_count * max_n
    ).reshape(reference_count, max_n)
    norms = hyp_norm[ngrams.reference_image] * ref_norm
    similarity = np.where(norms != 0, similarity / np.where(norms != 0, norms, 1.0), similarity)

    # The reference measures length in bigrams: max(words - 1, 0).
    hyp_bigrams = np.maximum(ngrams.hypothesis_lengths - 1, 0)
    ref_bigrams = np.maximum(ngrams.reference_lengths - 1, 0)
    delta = (hyp_bigrams[ngrams.reference_image] - ref_bigrams).astype(np.float64)
    similarity *= np.exp(-(delta**2) / (2 * sigma**2))[:, None]

    per_reference = similarity.sum(axis=1) / max_n
    scores = np.bincount(ngrams.reference_image, per_reference, images)
    scores = scores / ngrams.references_per_image * 10.0
    return float(np.mean(scores)), scores.tolist()
