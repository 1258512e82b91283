"""Caption metrics that agree with ``pycocoevalcap``: its tokenizer, BLEU, METEOR, ROUGE-L,
CIDEr-D and SPICE."""

from polymodal.metrics.captioning.bleu import BleuResult, bleu
from polymodal.metrics.captioning.cider import cider_d
from polymodal.metrics.captioning.java_metrics import (
    meteor,
    meteor_unavailable_reason,
    spice,
    spice_unavailable_reason,
)
from polymodal.metrics.captioning.rouge import lcs_length, rouge_l, rouge_l_scores
from polymodal.metrics.captioning.scorer import (
    CAPTION_METRICS,
    DEFAULT_CAPTION_METRICS,
    CaptionMetrics,
    CaptionScores,
    score_captions,
)
from polymodal.metrics.captioning.tokenize import (
    COCO_PUNCTUATION,
    remove_punctuation,
    tokenize_captions,
    tokenize_document,
)

__all__ = [
    "CAPTION_METRICS",
    "COCO_PUNCTUATION",
    "DEFAULT_CAPTION_METRICS",
    "BleuResult",
    "CaptionMetrics",
    "CaptionScores",
    "bleu",
    "cider_d",
    "lcs_length",
    "meteor",
    "meteor_unavailable_reason",
    "remove_punctuation",
    "rouge_l",
    "rouge_l_scores",
    "score_captions",
    "spice",
    "spice_unavailable_reason",
    "tokenize_captions",
    "tokenize_document",
]
