"""Multimodal sentiment metrics with the CMU-MOSI / MOSEI conventions of MMSA.

Predictions and labels are sentiment intensities in [-3, 3]. Each metric names its convention:

* ``acc2_has0`` / ``f1_has0``: negative (< 0) vs non-negative (≥ 0), every sample kept;
* ``acc2_non0`` / ``f1_non0``: negative (< 0) vs positive (> 0), samples whose *label* is 0
  dropped; a prediction of exactly 0 counts as negative;
* ``acc5`` / ``acc7``: clip to [-2, 2] / [-3, 3], then round to the nearest integer with
  halves to even, as ``numpy.round`` and MMSA do (2.5 → 2, 1.5 → 2, 0.5 → 0, -0.5 → -0,
  -2.5 → -2), and compare the classes;
* ``mae``: mean absolute error; ``corr``: Pearson correlation (unclipped values);
* F1 scores are scikit-learn's ``average="weighted"`` with (true, predicted) in that order.

Accuracies and F1 scores are percentages. IEMOCAP follows the per-emotion binary convention of
MulT and MMSA: :class:`EmotionMetrics` reports each emotion's accuracy and weighted F1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from polymodal.metrics._arrays import to_numpy


def _class_accuracy(predictions: np.ndarray, labels: np.ndarray, bound: float) -> float:
    predicted = np.round(np.clip(predictions, -bound, bound))
    truth = np.round(np.clip(labels, -bound, bound))
    return 100.0 * float(np.mean(predicted == truth))


def sentiment_metrics(predictions: Any, labels: Any) -> dict[str, float]:
    """MOSI / MOSEI metrics of regression outputs.

    Args:
        predictions: predicted intensities (N,).
        labels: true intensities (N,).

    Returns:
        ``acc2_has0``, ``f1_has0``, ``acc2_non0``, ``f1_non0``, ``acc5``, ``acc7``, ``mae``,
        ``corr`` (``nan`` where undefined, e.g. every label 0 for the ``non0`` pair).
    """
    predicted = to_numpy(predictions, np.float64).reshape(-1)
    truth = to_numpy(labels, np.float64).reshape(-1)
    if predicted.shape != truth.shape:
        raise ValueError(f"{len(predicted)} predictions for {len(truth)} labels")
    if not len(truth):
        return {}
    has0_truth, has0_predicted = truth >= 0, predicted >= 0
    results = {
        "acc2_has0": 100.0 * float(accuracy_score(has0_truth, has0_predicted)),
        "f1_has0": 100.0 * float(f1_score(has0_truth, has0_predicted, average="weighted")),
    }
    nonzero = truth != 0
    if nonzero.any():
        non0_truth, non0_predicted = truth[nonzero] > 0, predicted[nonzero] > 0
        results["acc2_non0"] = 100.0 * float(accuracy_score(non0_truth, non0_predicted))
        results["f1_non0"] = 100.0 * float(f1_score(non0_truth, non0_predicted, average="weighted"))
    else:
        results["acc2_non0"] = results["f1_non0"] = float("nan")
    results["acc5"] = _class_accuracy(predicted, truth, 2.0)
    results["acc7"] = _class_accuracy(predicted, truth, 3.0)
    results["mae"] = float(np.mean(np.abs(predicted - truth)))
    if len(truth) > 1 and predicted.std() > 0 and truth.std() > 0:
        results["corr"] = float(np.corrcoef(predicted, truth)[0, 1])
    else:
        results["corr"] = float("nan")
    return results


class SentimentMetrics:
    """:func:`sentiment_metrics` accumulated over batches (and processes)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._predictions: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []

    def update(self, predictions: Any, labels: Any) -> None:
        """Adds predicted (B,) or (B, 1) and true (B,) intensities."""
        predicted = to_numpy(predictions, np.float64).reshape(-1)
        truth = to_numpy(labels, np.float64).reshape(-1)
        if predicted.shape != truth.shape:
            raise ValueError(f"{len(predicted)} predictions for {len(truth)} labels")
        self._predictions.append(predicted)
        self._labels.append(truth)

    def state(self) -> dict[str, Any]:
        return {"predictions": list(self._predictions), "labels": list(self._labels)}

    def merge(self, state: dict[str, Any]) -> None:
        self._predictions.extend(np.asarray(p, np.float64) for p in state["predictions"])
        self._labels.extend(np.asarray(t, np.float64) for t in state["labels"])

    def compute(self) -> dict[str, float]:
        if not self._predictions:
            return {}
        return sentiment_metrics(np.concatenate(self._predictions), np.concatenate(self._labels))


IEMOCAP_EMOTIONS = ("neutral", "happy", "sad", "angry")


class EmotionMetrics:
    """Per-emotion binary accuracy and weighted F1 (IEMOCAP, as in MulT and MMSA).

    Args:
        emotions: the emotion names, in the order of the model's outputs.

    ``update`` takes logits (B, E, 2) (the predicted label is the argmax of the last axis) or
    0/1 predictions (B, E), and 0/1 labels (B, E). ``compute()`` keys: ``<emotion>_acc``,
    ``<emotion>_f1_weighted`` and their means ``mean_acc``, ``mean_f1_weighted``.
    """

    def __init__(self, emotions: Sequence[str] = IEMOCAP_EMOTIONS) -> None:
        self.emotions = tuple(emotions)
        self.reset()

    def reset(self) -> None:
        self._predictions: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []

    def update(self, outputs: Any, labels: Any) -> None:
        output = to_numpy(outputs)
        count = len(self.emotions)
        if output.ndim == 3 and output.shape[1:] == (count, 2):
            predicted = output.argmax(axis=2)
        elif output.ndim == 2 and output.shape[1] == count:
            predicted = output
        else:
            raise ValueError(
                f"outputs of shape {output.shape}; expected (B, {count}, 2) or (B, {count})"
            )
        truth = to_numpy(labels).reshape(len(predicted), count)
        self._predictions.append(predicted.astype(np.int64))
        self._labels.append(truth.astype(np.int64))

    def state(self) -> dict[str, Any]:
        return {"predictions": list(self._predictions), "labels": list(self._labels)}

    def merge(self, state: dict[str, Any]) -> None:
        self._predictions.extend(np.asarray(p, np.int64) for p in state["predictions"])
        self._labels.extend(np.asarray(t, np.int64) for t in state["labels"])

    def compute(self) -> dict[str, float]:
        if not self._predictions:
            return {}
        predicted = np.concatenate(self._predictions)
        truth = np.concatenate(self._labels)
        results: dict[str, float] = {}
        for index, emotion in enumerate(self.emotions):
            results[f"{emotion}_acc"] = 100.0 * float(
                accuracy_score(truth[:, index], predicted[:, index])
            )
            results[f"{emotion}_f1_weighted"] = 100.0 * float(
                f1_score(truth[:, index], predicted[:, index], average="weighted")
            )
        results["mean_acc"] = float(np.mean([results[f"{e}_acc"] for e in self.emotions]))
        results["mean_f1_weighted"] = float(
            np.mean([results[f"{e}_f1_weighted"] for e in self.emotions])
        )
        return results
