"""Classification metrics, computed by scikit-learn.

Accuracy, top-k accuracy, precision / recall / F1 averaged ``macro``, ``micro`` and
``weighted`` and per class, and the confusion matrix. Everything is a percentage except the
confusion matrix (counts). Scikit-learn does the computing; this class accumulates batches,
fixes the label set (so a class absent from the data still counts, with ``zero_division=0``)
and always passes (true, predicted) in scikit-learn's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn import metrics as sk

from polymodal.metrics._arrays import to_numpy

AVERAGES = ("macro", "micro", "weighted")


class ClassificationMetrics:
    """Single-label classification metrics over batches.

    Args:
        num_classes: number of classes C; labels are 0..C-1.
        top_k: the k of each reported top-k accuracy (needs scores, not just predictions);
            values ≥ C are skipped.
        class_names: names for per-class keys (default: the class index).
        per_class: also report precision / recall / F1 of each class.

    ``compute()`` keys: ``accuracy``, ``top{k}_accuracy``, ``{precision,recall,f1}_{macro,
    micro,weighted}`` and, with ``per_class``, ``{precision,recall,f1}/<class>``.
    """

    def __init__(
        self,
        num_classes: int,
        top_k: Sequence[int] = (5,),
        class_names: Sequence[str] | None = None,
        per_class: bool = False,
    ) -> None:
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
        self.num_classes = num_classes
        self.top_k = tuple(k for k in top_k if 1 < k < num_classes)
        self.class_names = list(class_names) if class_names is not None else None
        self.per_class = per_class
        self.reset()

    def reset(self) -> None:
        self._targets: list[np.ndarray] = []
        self._predictions: list[np.ndarray] = []
        self._top_k_hits = dict.fromkeys(self.top_k, 0)
        self._scored = 0

    def update(self, outputs: Any, targets: Any) -> None:
        """Adds a batch.

        Args:
            outputs: class scores or logits (B, C), or predicted labels (B,).
            targets: true labels (B,).
        """
        target = to_numpy(targets).astype(np.int64).reshape(-1)
        output = to_numpy(outputs)
        if output.ndim == 2:
            if output.shape != (len(target), self.num_classes):
                raise ValueError(
                    f"scores of shape {output.shape}, expected ({len(target)}, {self.num_classes})"
                )
            prediction = output.argmax(axis=1)
            labels = np.arange(self.num_classes)
            for k in self.top_k:
                self._top_k_hits[k] += int(
                    sk.top_k_accuracy_score(target, output, k=k, labels=labels, normalize=False)
                )
            self._scored += len(target)
        elif output.ndim == 1 and len(output) == len(target):
            prediction = output.astype(np.int64)
        else:
            raise ValueError(f"outputs of shape {output.shape} for {len(target)} targets")
        if len(target) and (target.min() < 0 or target.max() >= self.num_classes):
            raise ValueError(f"targets outside 0..{self.num_classes - 1}")
        self._targets.append(target)
        self._predictions.append(prediction)

    def state(self) -> dict[str, Any]:
        return {
            "targets": np.concatenate(self._targets) if self._targets else np.zeros(0, np.int64),
            "predictions": (
                np.concatenate(self._predictions) if self._predictions else np.zeros(0, np.int64)
            ),
            "top_k_hits": dict(self._top_k_hits),
            "scored": self._scored,
        }

    def merge(self, state: dict[str, Any]) -> None:
        self._targets.append(np.asarray(state["targets"], dtype=np.int64))
        self._predictions.append(np.asarray(state["predictions"], dtype=np.int64))
        for k, hits in state["top_k_hits"].items():
            self._top_k_hits[k] = self._top_k_hits.get(k, 0) + int(hits)
        self._scored += int(state["scored"])

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._targets:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(self._targets), np.concatenate(self._predictions)

    def confusion_matrix(self) -> np.ndarray:
        """(C, C) counts; row = true class, column = predicted class."""
        target, prediction = self._arrays()
        return sk.confusion_matrix(target, prediction, labels=np.arange(self.num_classes))

    def compute(self) -> dict[str, float]:
        target, prediction = self._arrays()
        if not len(target):
            return {}
        labels = np.arange(self.num_classes)
        results = {"accuracy": 100 * float(sk.accuracy_score(target, prediction))}
        if self._scored == len(target):
            for k in self.top_k:
                results[f"top{k}_accuracy"] = 100 * self._top_k_hits[k] / self._scored
        for average in AVERAGES:
            precision, recall, f1, _ = sk.precision_recall_fscore_support(
                target, prediction, labels=labels, average=average, zero_division=0
            )
            results[f"precision_{average}"] = 100 * float(precision)
            results[f"recall_{average}"] = 100 * float(recall)
            results[f"f1_{average}"] = 100 * float(f1)
        if self.per_class:
            precision, recall, f1, _ = sk.precision_recall_fscore_support(
                target, prediction, labels=labels, average=None, zero_division=0
            )
            names = self.class_names or [str(label) for label in labels]
            for index, name in enumerate(names):
                results[f"precision/{name}"] = 100 * float(precision[index])
                results[f"recall/{name}"] = 100 * float(recall[index])
                results[f"f1/{name}"] = 100 * float(f1[index])
        return results
