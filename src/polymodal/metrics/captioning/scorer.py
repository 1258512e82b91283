"""Caption scoring: COCO tokenisation, then BLEU, METEOR, ROUGE-L, CIDEr-D and SPICE.

Scores equal ``pycocoevalcap``'s (``COCOEvalCap``) for the same captions in the same order:
references are tokenised as one document (all of an image's references, image after image)
and hypotheses as another, exactly as the reference does, because its tokenizer lets a caption's
last abbreviation look at the next caption's first word.
"""

from __future__ import annotations

import subprocess
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from polymodal.metrics.captioning.bleu import bleu
from polymodal.metrics.captioning.cider import cider_d
from polymodal.metrics.captioning.java_metrics import (
    meteor,
    meteor_unavailable_reason,
    spice,
    spice_unavailable_reason,
)
from polymodal.metrics.captioning.ngrams import CaptionNGrams
from polymodal.metrics.captioning.rouge import rouge_l_scores
from polymodal.metrics.captioning.tokenize import tokenize_captions

#: Metric families :func:`score_captions` knows, and the keys each reports.
CAPTION_METRICS: dict[str, tuple[str, ...]] = {
    "bleu": ("bleu_1", "bleu_2", "bleu_3", "bleu_4"),
    "meteor": ("meteor",),
    "rouge_l": ("rouge_l",),
    "cider_d": ("cider_d",),
    "spice": ("spice",),
}
#: Computed by default; SPICE is opt-in (slow, and it needs extra model files).
DEFAULT_CAPTION_METRICS = ("bleu", "meteor", "rouge_l", "cider_d")
TOKENIZERS = ("ptb", "ptb-java")


@dataclass
class CaptionScores:
    """Corpus scores, per-image scores, and the metrics that could not be computed.

    Attributes:
        scores: ``bleu_1``..``bleu_4``, ``meteor``, ``rouge_l``, ``cider_d``, ``spice``.
        per_image: each image id's own scores (METEOR's corpus score is its own aggregate and
            CIDEr-D's idf comes from the whole set, so neither is a mean of these alone).
        unavailable: metric name → why it was not computed.
    """

    scores: dict[str, float]
    per_image: dict[Hashable, dict[str, float]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)


def _tokenize(captions: list[str], tokenizer: str) -> list[str]:
    if tokenizer == "ptb":
        return tokenize_captions(captions)
    if tokenizer == "ptb-java":
        from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

        # The reference groups captions by key; one key per caption keeps their order.
        tokenized = PTBTokenizer().tokenize({i: [{"caption": c}] for i, c in enumerate(captions)})
        return [tokenized[i][0] for i in range(len(captions))]
    raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}")


def _check_metrics(metrics: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(metrics)
    unknown = [name for name in chosen if name not in CAPTION_METRICS]
    if unknown:
        raise ValueError(f"unknown caption metrics {unknown}; known: {sorted(CAPTION_METRICS)}")
    return chosen


def score_captions(
    hypotheses: Mapping[Hashable, str],
    references: Mapping[Hashable, Sequence[str]],
    metrics: Iterable[str] = DEFAULT_CAPTION_METRICS,
    tokenizer: str = "ptb",
) -> CaptionScores:
    """Scores one generated caption per image against the image's reference captions.

    Args:
        hypotheses: image id → generated caption (raw text).
        references: image id → reference captions (raw text); same ids as ``hypotheses``.
            Images are scored in this mapping's order, as the reference scores ``gts``.
        metrics: families from :data:`CAPTION_METRICS`.
        tokenizer: ``"ptb"`` (pure Python, same output as the reference) or ``"ptb-java"``
            (the reference's Java tokenizer itself).

    Returns:
        The scores, per-image scores and the unavailable metrics with their reasons.
    """
    chosen = _check_metrics(metrics)
    missing = [key for key in references if key not in hypotheses]
    extra = [key for key in hypotheses if key not in references]
    if missing or extra:
        raise ValueError(
            f"hypotheses and references must cover the same images: {len(missing)} image(s) "
            f"without a hypothesis (e.g. {missing[:3]}), {len(extra)} without references "
            f"(e.g. {extra[:3]})"
        )
    image_ids = list(references)
    if not image_ids:
        raise ValueError("no captions to score")
    counts = [len(references[key]) for key in image_ids]
    if min(counts) == 0:
        empty = [key for key, count in zip(image_ids, counts, strict=True) if count == 0]
        raise ValueError(f"images without reference captions: {empty[:5]}")
    flat_references = _tokenize([c for key in image_ids for c in references[key]], tokenizer)
    tokenized_hypotheses = _tokenize([hypotheses[key] for key in image_ids], tokenizer)
    tokenized_references: list[list[str]] = []
    start = 0
    for count in counts:
        tokenized_references.append(flat_references[start : start + count])
        start += count

    scores: dict[str, float] = {}
    per_image: dict[Hashable, dict[str, float]] = {key: {} for key in image_ids}
    unavailable: dict[str, str] = {}

    def record(name: str, corpus: float, images: Sequence[float]) -> None:
        scores[name] = float(corpus)
        for key, value in zip(image_ids, images, strict=True):
            per_image[key][name] = float(value)

    hypothesis_words = [caption.split() for caption in tokenized_hypotheses]
    reference_words = [[caption.split() for caption in image] for image in tokenized_references]
    ngrams = None
    if "bleu" in chosen or "cider_d" in chosen:
        ngrams = CaptionNGrams.build(hypothesis_words, reference_words)
    for family in chosen:
        if family == "bleu":
            result = bleu(hypothesis_words, reference_words, ngrams=ngrams)
            for order, name in enumerate(CAPTION_METRICS["bleu"]):
                record(name, result.corpus[order], result.per_image[order])
        elif family == "rouge_l":
            values = rouge_l_scores(tokenized_hypotheses, tokenized_references)
            record("rouge_l", sum(values) / len(values), values)
        elif family == "cider_d":
            record("cider_d", *cider_d(hypothesis_words, reference_words, ngrams=ngrams))
        else:
            check = meteor_unavailable_reason if family == "meteor" else spice_unavailable_reason
            reason = check()
            if reason is not None:
                unavailable[family] = reason
                continue
            run = meteor if family == "meteor" else spice
            try:
                record(family, *run(tokenized_hypotheses, tokenized_references))
            except (OSError, ValueError, subprocess.SubprocessError) as error:
                # The Java program failed to start or answer (e.g. too little memory).
                unavailable[family] = f"the reference's Java program failed: {error}"
    return CaptionScores(scores, per_image, unavailable)


class CaptionMetrics:
    """Caption scores accumulated batch by batch (and across processes).

    Args:
        metrics: families from :data:`CAPTION_METRICS`.
        tokenizer: ``"ptb"`` or ``"ptb-java"`` (see :func:`score_captions`).
    """

    def __init__(
        self, metrics: Iterable[str] = DEFAULT_CAPTION_METRICS, tokenizer: str = "ptb"
    ) -> None:
        self.metrics = _check_metrics(metrics)
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}")
        self.tokenizer = tokenizer
        self.reset()

    def reset(self) -> None:
        self._hypotheses: dict[Hashable, str] = {}
        self._references: dict[Hashable, list[str]] = {}

    def update(
        self,
        image_ids: Sequence[Hashable],
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
    ) -> None:
        """Adds a batch: one generated caption and its references per image.

        An image seen again (a distributed sampler pads with repeats) is ignored if its
        captions are the same, and is an error if they differ.
        """
        if not len(image_ids) == len(hypotheses) == len(references):
            raise ValueError(
                f"update got {len(image_ids)} image ids, {len(hypotheses)} hypotheses and "
                f"{len(references)} reference lists; they must match"
            )
        for key, hypothesis, image_references in zip(
            image_ids, hypotheses, references, strict=True
        ):
            self._add(key, hypothesis, list(image_references))

    def _add(self, key: Hashable, hypothesis: str, image_references: list[str]) -> None:
        if key in self._hypotheses:
            if self._hypotheses[key] != hypothesis or self._references[key] != image_references:
                raise ValueError(f"image {key!r} was added twice with different captions")
            return
        self._hypotheses[key] = hypothesis
        self._references[key] = image_references

    def state(self) -> dict[str, Any]:
        return {"hypotheses": dict(self._hypotheses), "references": dict(self._references)}

    def merge(self, state: dict[str, Any]) -> None:
        for key, hypothesis in state["hypotheses"].items():
            self._add(key, hypothesis, list(state["references"][key]))

    def result(self) -> CaptionScores:
        """Scores with per-image values and unavailable metrics."""
        return score_captions(self._hypotheses, self._references, self.metrics, self.tokenizer)

    def compute(self) -> dict[str, float]:
        return self.result().scores
