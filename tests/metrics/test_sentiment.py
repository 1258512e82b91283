"""MOSI / MOSEI conventions on fixed arrays: zeros, halves, each Acc-2, Acc-5, Acc-7."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from polymodal.metrics.sentiment import EmotionMetrics, SentimentMetrics, sentiment_metrics

LABELS = np.array([-2.5, -0.5, 0.0, 0.0, 0.5, 1.5, 2.5, 3.0])
PREDICTIONS = np.array([-2.4, 0.2, -0.1, 0.3, 0.6, 2.6, 2.4, -1.0])


def test_acc2_has0_and_non0() -> None:
    results = sentiment_metrics(PREDICTIONS, LABELS)
    # has0: label ≥ 0 vs prediction ≥ 0 → F, F(−0.5 vs 0.2), F(0 vs −0.1), T, T, T, T, F(3 vs −1).
    assert results["acc2_has0"] == pytest.approx(100 * 5 / 8)
    # non0: the two zero labels dropped; 6 left, wrong: −0.5 vs 0.2 and 3.0 vs −1.0.
    assert results["acc2_non0"] == pytest.approx(100 * 4 / 6)
    truth, predicted = LABELS >= 0, PREDICTIONS >= 0
    assert results["f1_has0"] == pytest.approx(100 * f1_score(truth, predicted, average="weighted"))
    nonzero = LABELS != 0
    assert results["f1_non0"] == pytest.approx(
        100 * f1_score(LABELS[nonzero] > 0, PREDICTIONS[nonzero] > 0, average="weighted")
    )


def test_zero_prediction_is_negative_for_non0_and_non_negative_for_has0() -> None:
    results = sentiment_metrics(np.array([0.0, 0.0]), np.array([1.0, -1.0]))
    assert results["acc2_non0"] == pytest.approx(50.0)  # 0 counts as negative
    assert results["acc2_has0"] == pytest.approx(50.0)  # 0 counts as non-negative
    all_zero = sentiment_metrics(np.array([0.3, -0.2]), np.array([0.0, 0.0]))
    assert np.isnan(all_zero["acc2_non0"]) and np.isnan(all_zero["f1_non0"])


def test_halves_round_to_even() -> None:
    # numpy / MMSA rounding: 2.5 → 2, 1.5 → 2, 0.5 → 0, -0.5 → -0, -2.5 → -2.
    labels = np.array([2.5, 1.5, 0.5, -0.5, -2.5, 3.4, -3.6])
    assert (
        sentiment_metrics(np.array([2.0, 2.0, 0.0, 0.0, -2.0, 3.0, -3.0]), labels)["acc7"] == 100.0
    )
    assert (
        sentiment_metrics(np.array([3.0, 1.0, 1.0, -1.0, -3.0, 2.0, -2.0]), labels)["acc7"] == 0.0
    )
    # Acc-5 clips to ±2 first: 3.4 → 2, -3.6 → -2.
    assert (
        sentiment_metrics(np.array([2.0, 2.0, 0.0, 0.0, -2.0, 2.0, -2.0]), labels)["acc5"] == 100.0
    )


def test_acc5_acc7_mae_corr_on_fixed_arrays() -> None:
    results = sentiment_metrics(PREDICTIONS, LABELS)
    # Acc-7 classes: labels [-2, -0, 0, 0, 0, 2, 2, 3], predictions [-2, 0, -0, 0, 1, 3, 2, -1].
    assert results["acc7"] == pytest.approx(100 * 5 / 8)
    # Acc-5 clips to ±2 first: 2.6 → 2 now equals the label's 1.5 → 2: one more right.
    assert results["acc5"] == pytest.approx(100 * 6 / 8)
    assert results["mae"] == pytest.approx(np.mean(np.abs(PREDICTIONS - LABELS)))
    assert results["corr"] == pytest.approx(np.corrcoef(PREDICTIONS, LABELS)[0, 1])


def test_accumulates_and_merges() -> None:
    whole = SentimentMetrics()
    whole.update(PREDICTIONS.reshape(-1, 1), LABELS)
    first, second = SentimentMetrics(), SentimentMetrics()
    first.update(PREDICTIONS[:3], LABELS[:3])
    second.update(PREDICTIONS[3:], LABELS[3:])
    first.merge(second.state())
    assert first.compute() == pytest.approx(sentiment_metrics(PREDICTIONS, LABELS))
    assert whole.compute() == pytest.approx(sentiment_metrics(PREDICTIONS, LABELS))
    with pytest.raises(ValueError, match="3 predictions for 2 labels"):
        whole.update(np.zeros(3), np.zeros(2))


def test_iemocap_per_emotion() -> None:
    metric = EmotionMetrics()
    logits = np.zeros((4, 4, 2))
    logits[:, :, 1] = [[1, -1, 1, -1], [1, 1, -1, -1], [-1, -1, -1, 1], [1, -1, -1, -1]]
    labels = np.array([[1, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1]])
    metric.update(logits, labels)
    results = metric.compute()
    assert results["neutral_acc"] == pytest.approx(75.0)
    assert results["happy_acc"] == pytest.approx(75.0)
    assert results["sad_acc"] == pytest.approx(100.0)
    assert results["angry_acc"] == pytest.approx(75.0)
    predicted_neutral = [1, 1, 0, 1]
    assert results["neutral_f1_weighted"] == pytest.approx(
        100 * f1_score(labels[:, 0], predicted_neutral, average="weighted")
    )
    assert results["mean_acc"] == pytest.approx(81.25)
    first, second = EmotionMetrics(), EmotionMetrics()
    first.update(logits[:1], labels[:1])
    second.update(logits[1:].argmax(axis=2), labels[1:])
    first.merge(second.state())
    assert first.compute() == pytest.approx(results)
