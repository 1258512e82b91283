"""Tasks: each owns its loss, its metrics and how outputs become predictions."""

from polymodal.tasks.base import Metric, Task
from polymodal.tasks.classification import ClassificationTask
from polymodal.tasks.vqa import VQATask

__all__ = ["ClassificationTask", "Metric", "Task", "VQATask"]
