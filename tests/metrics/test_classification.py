"""Classification metrics agree with scikit-learn and accumulate across batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn import metrics as sk

from polymodal.metrics.classification import ClassificationMetrics


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 5, size=200)
    scores = rng.normal(size=(200, 5))
    scores[np.arange(200), targets] += 1.0  # better than chance
    return scores, targets


def test_matches_scikit_learn() -> None:
    scores, targets = _data()
    metric = ClassificationMetrics(num_classes=5, top_k=(2, 3), per_class=True)
    for start in range(0, 200, 64):
        metric.update(
            torch.from_numpy(scores[start : start + 64]),
            torch.from_numpy(targets[start : start + 64]),
        )
    results = metric.compute()
    predictions = scores.argmax(axis=1)
    assert results["accuracy"] == pytest.approx(100 * sk.accuracy_score(targets, predictions))
    assert results["top2_accuracy"] == pytest.approx(
        100 * sk.top_k_accuracy_score(targets, scores, k=2)
    )
    assert results["top3_accuracy"] == pytest.approx(
        100 * sk.top_k_accuracy_score(targets, scores, k=3)
    )
    for average in ("macro", "micro", "weighted"):
        assert results[f"f1_{average}"] == pytest.approx(
            100 * sk.f1_score(targets, predictions, average=average)
        )
        assert results[f"precision_{average}"] == pytest.approx(
            100 * sk.precision_score(targets, predictions, average=average)
        )
        assert results[f"recall_{average}"] == pytest.approx(
            100 * sk.recall_score(targets, predictions, average=average)
        )
    per_class = sk.f1_score(targets, predictions, average=None)
    assert [results[f"f1/{c}"] for c in range(5)] == pytest.approx(list(100 * per_class))
    np.testing.assert_array_equal(
        metric.confusion_matrix(), sk.confusion_matrix(targets, predictions)
    )


def test_arguments_are_true_then_predicted() -> None:
    # Precision and recall swap if (predicted, true) is passed, as MultiBench once did.
    metric = ClassificationMetrics(num_classes=2, per_class=True, class_names=["neg", "pos"])
    metric.update(np.array([1, 1, 1, 0]), np.array([1, 0, 0, 0]))
    results = metric.compute()
    assert results["precision/pos"] == pytest.approx(100 / 3)
    assert results["recall/pos"] == pytest.approx(100.0)
    assert metric.confusion_matrix().tolist() == [[1, 2], [0, 1]]


def test_absent_class_counts_with_zero_scores() -> None:
    metric = ClassificationMetrics(num_classes=3, top_k=())
    metric.update(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]))
    # Class 2 never occurs: macro averages include its zeros.
    assert metric.compute()["f1_macro"] == pytest.approx(100 * 2 / 3)
    assert metric.compute()["f1_micro"] == pytest.approx(100.0)


def test_merge_of_halves_equals_whole() -> None:
    scores, targets = _data(1)
    whole = ClassificationMetrics(5, top_k=(2,))
    whole.update(scores, targets)
    first, second = ClassificationMetrics(5, top_k=(2,)), ClassificationMetrics(5, top_k=(2,))
    first.update(scores[:77], targets[:77])
    second.update(scores[77:], targets[77:])
    first.merge(second.state())
    assert first.compute() == pytest.approx(whole.compute())
    first.reset()
    assert first.compute() == {}


def test_top_k_needs_scores_and_bad_input_is_named() -> None:
    metric = ClassificationMetrics(4, top_k=(2,))
    metric.update(np.array([0, 1]), np.array([0, 1]))
    assert "top2_accuracy" not in metric.compute()
    with pytest.raises(ValueError, match=r"targets outside 0\.\.3"):
        metric.update(np.array([0]), np.array([7]))
    with pytest.raises(ValueError, match="scores of shape"):
        metric.update(np.zeros((2, 3)), np.array([0, 1]))
