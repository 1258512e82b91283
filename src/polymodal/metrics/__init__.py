"""Metrics that agree with the field's reference implementations, each naming its convention."""

from polymodal.metrics.base import Metric, sync
from polymodal.metrics.captioning import CaptionMetrics, CaptionScores, score_captions
from polymodal.metrics.classification import ClassificationMetrics
from polymodal.metrics.retrieval import RetrievalMetrics, retrieval_metrics, retrieval_ranks
from polymodal.metrics.sentiment import EmotionMetrics, SentimentMetrics, sentiment_metrics
from polymodal.metrics.vqa import VQAAccuracy, vqa_question_accuracy
from polymodal.metrics.vqa_normalize import normalize_prediction

__all__ = [
    "CaptionMetrics",
    "CaptionScores",
    "ClassificationMetrics",
    "EmotionMetrics",
    "Metric",
    "RetrievalMetrics",
    "SentimentMetrics",
    "VQAAccuracy",
    "normalize_prediction",
    "retrieval_metrics",
    "retrieval_ranks",
    "score_captions",
    "sentiment_metrics",
    "sync",
    "vqa_question_accuracy",
]
