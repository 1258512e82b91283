"""Official VQA accuracy: every normalisation rule and the leave-one-out average."""

from __future__ import annotations

import pytest

from polymodal.metrics.vqa import VQAAccuracy, vqa_question_accuracy
from polymodal.metrics.vqa_normalize import (
    CONTRACTIONS,
    normalize_prediction,
    process_digit_article,
    process_punctuation,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("red/blue", "red blue"),  # a mark not next to a space becomes a space
        ("red / blue", "red  blue"),  # next to a space: deleted (spaces remain)
        ("yes!", "yes "),
        ("yes !", "yes "),
        ("1,000", "1000"),  # digit-comma-digit: every mark is deleted, not spaced
        ("1,000 red-blue", "1000 redblue"),
        ("(red)", " red "),
        ("a_b=c+d", "a b c d"),
        ("it's", "it's"),  # apostrophes and colons are not in the list
        ("10:30", "10:30"),
        ("3.5", "3.5"),  # a period before a digit stays
        ("5.", "5"),  # after a digit it goes (the official look-behind is a look-ahead)
        ("a.b", "ab"),
        ("st. louis.", "st louis"),
        ("." * 40, "." * 8),  # at most 32 periods go: re.UNICODE passed as count
        ("#1 $5 50% a&b", "#1 $5 50% a&b"),
    ],
)
def test_process_punctuation(text: str, expected: str) -> None:
    assert process_punctuation(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two", "2"),
        ("none", "0"),  # "none" is a number word
        ("zero one ten eleven", "0 1 10 eleven"),
        ("a dog", "dog"),
        ("The  Man AN apple", "man apple"),
        ("dont", "don't"),
        ("whats up", "what's up"),
        ("somebody'd", "somebodyd"),  # the official map's own quirk
        ("Im", "Im".lower()),  # capitalised keys never fire: text is lower-cased first
        ("oclock", "o'clock"),
        ("   ", ""),
    ],
)
def test_process_digit_article(text: str, expected: str) -> None:
    assert process_digit_article(text) == expected


def test_contractions_map_has_the_official_entries() -> None:
    assert len(CONTRACTIONS) == 120
    assert CONTRACTIONS["yall'd've"] == "y'all'd've" and CONTRACTIONS["twas"] == "'twas"


def test_prediction_normalisation_order() -> None:
    # Newlines and tabs become spaces, then punctuation, then digits and articles.
    assert normalize_prediction("  The\tTwo\ndogs! ") == "2 dogs"
    assert normalize_prediction("a dont.") == "don't"


def test_three_of_ten_humans_score_point_nine() -> None:
    # Leaving out one of the 3 matching answers leaves 2 (2/3), 3 times; leaving out one of the
    # 7 others leaves 3 (1), 7 times: (3 × 2/3 + 7 × 1) / 10 = 0.9.
    answers = ["red"] * 3 + ["blue"] * 7
    assert vqa_question_accuracy("red", answers) == pytest.approx(0.9)
    assert vqa_question_accuracy("red", ["red"] * 4 + ["x"] * 6) == pytest.approx(1.0)
    # 2 of 10: 2 × 1/3 + 8 × 2/3 = 6 / 10.
    assert vqa_question_accuracy("red", ["red"] * 2 + ["x"] * 8) == pytest.approx(0.6)
    assert vqa_question_accuracy("red", ["red"] + ["x"] * 9) == pytest.approx(0.3)
    assert vqa_question_accuracy("green", answers) == 0.0


def test_human_answers_are_only_punctuation_processed() -> None:
    # The prediction "2" is normalised; a human "Two" is not turned into "2".
    assert vqa_question_accuracy("Two", ["Two"] * 10) == 0.0
    assert vqa_question_accuracy("2", ["two"] * 10) == 0.0
    assert vqa_question_accuracy("two", ["2"] * 10) == pytest.approx(1.0)
    # When humans disagree their punctuation is processed: "yes!" → "yes " ≠ "yes".
    assert vqa_question_accuracy("red blue", ["red/blue"] * 5 + ["x"] * 5) == pytest.approx(1.0)
    # When they all agree it is not: "red/blue" stays and cannot match.
    assert vqa_question_accuracy("red blue", ["red/blue"] * 10) == 0.0


def test_identical_answer_records_are_left_out_together() -> None:
    # Without answer ids the official code leaves out every record equal to the one left out.
    # Leaving out a "red" removes all four (0 matches); leaving out an "x" keeps them (1).
    answers = ["red"] * 4 + ["x"] * 6
    assert vqa_question_accuracy("red", answers, [0] * 10) == pytest.approx(0.6)
    assert vqa_question_accuracy("red", answers) == pytest.approx(1.0)


def test_metric_groups_rounding_and_merge() -> None:
    predictions = ["yes", "2", "red", "no"]
    answers = [["yes"] * 10, ["two"] * 2 + ["2"] * 8, ["red"] * 3 + ["blue"] * 7, ["yes"] * 10]
    answer_types = ["yes/no", "number", "other", "yes/no"]
    question_types = ["is the", "how many", "what color", "is the"]
    whole = VQAAccuracy()
    whole.update(predictions, answers, [1, 2, 3, 4], answer_types, question_types)
    results = whole.compute()
    assert results["vqa_accuracy"] == pytest.approx(100 * (1 + 1 + 0.9 + 0) / 4)
    assert results["vqa_accuracy/answer_type/yes/no"] == pytest.approx(50.0)
    assert results["vqa_accuracy/answer_type/other"] == pytest.approx(90.0)
    assert results["vqa_accuracy/question_type/how many"] == pytest.approx(100.0)
    official = whole.official()
    assert official["overall"] == 72.5 and official["perAnswerType"]["other"] == 90.0
    assert whole.per_question()[3] == pytest.approx(90.0)

    first, second = VQAAccuracy(), VQAAccuracy()
    first.update(predictions[:2], answers[:2], [1, 2], answer_types[:2], question_types[:2])
    second.update(predictions[2:], answers[2:], [3, 4], answer_types[2:], question_types[2:])
    second.update(predictions[:1], answers[:1], [1], answer_types[:1], question_types[:1])
    first.merge(second.state())
    assert first.compute() == pytest.approx(results)


def test_official_rounding_differs_from_unrounded_mean() -> None:
    metric = VQAAccuracy()
    metric.update(["a1", "b", "b"], [["a1"] + ["x"] * 9, ["b"] * 10, ["b"] * 10], [1, 2, 3])
    assert metric.compute()["vqa_accuracy"] == pytest.approx(100 * (0.3 + 2) / 3)
    assert metric.official()["overall"] == 76.67


def test_update_checks_lengths() -> None:
    with pytest.raises(ValueError, match="2 predictions but 1 answers"):
        VQAAccuracy().update(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match="at least one human answer"):
        vqa_question_accuracy("a", [])
