"""Tasks: each owns its loss, its metrics and how outputs become predictions."""

from polymodal.tasks.base import Metric, Task
from polymodal.tasks.captioning import CaptioningTask
from polymodal.tasks.classification import ClassificationTask
from polymodal.tasks.sentiment import SentimentRegressionTask
from polymodal.tasks.vqa import VQATask

__all__ = [
    "CaptioningTask",
    "ClassificationTask",
    "Metric",
    "SentimentRegressionTask",
    "Task",
    "VQATask",
]
