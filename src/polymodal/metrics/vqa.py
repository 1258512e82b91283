"""VQA accuracy exactly as the official evaluation computes it (GT-Vision-Lab/VQA ``vqaEval.py``).

For one question with human answers a_1..a_10 (usually ten), the official accuracy of a
prediction p is the mean, over the ten ways of leaving one human answer out, of
``min(1, #{remaining answers equal to p} / 3)``. An answer given by 3 of the 10 humans scores
0.9: leaving out one of the 3 leaves 2 matches (2/3), which happens 3 times; leaving out one of
the other 7 leaves 3 matches (1), which happens 7 times; (3·2/3 + 7·1)/10 = 0.9. Four or more
matching humans give 1.

Normalisation follows :mod:`polymodal.metrics.vqa_normalize`: the prediction is always
normalised; the human answers only have punctuation processed, and only when they are not all
identical. Reported numbers are ×100, like the official code's.

Two averages are offered and named: :meth:`VQAAccuracy.compute` gives unrounded means over
questions (overall, per answer type, per question type); :meth:`VQAAccuracy.official` gives the
official code's ``accuracy`` dictionary, the same means rounded to two decimals (the figures
papers and the evaluation server report).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

from polymodal.metrics.vqa_normalize import normalize_prediction, process_punctuation


def vqa_question_accuracy(
    prediction: str,
    answers: Sequence[str],
    answer_records: Sequence[Hashable] | None = None,
) -> float:
    """Official accuracy of one predicted answer, in [0, 1].

    Args:
        prediction: the raw predicted answer.
        answers: the raw human answers.
        answer_records: what else identifies each human answer (the official code leaves out
            every answer *record* equal to the one left out: with the official files each has a
            unique ``answer_id``, so this is leave-one-out by position, the default).

    Returns:
        The mean over leave-one-out subsets of min(1, matches / 3).
    """
    if not answers:
        raise ValueError("a VQA question needs at least one human answer")
    predicted = normalize_prediction(prediction)
    humans = list(answers)
    if len(set(humans)) > 1:
        humans = [process_punctuation(answer) for answer in humans]
    records = list(range(len(humans))) if answer_records is None else list(answer_records)
    if len(records) != len(humans):
        raise ValueError(f"{len(humans)} answers but {len(records)} answer records")
    accuracies = []
    for left_out, answer in enumerate(humans):
        record = (records[left_out], answer)
        matching = sum(
            1
            for other, other_answer in enumerate(humans)
            if other_answer == predicted and (records[other], other_answer) != record
        )
        accuracies.append(min(1, float(matching) / 3))
    return float(sum(accuracies)) / len(accuracies)


class VQAAccuracy:
    """Official VQA accuracy accumulated batch by batch (and across processes).

    ``compute()`` returns ``vqa_accuracy`` and, when types are given,
    ``vqa_accuracy/answer_type/<type>`` and ``vqa_accuracy/question_type/<type>``, all ×100
    and unrounded.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # question key → (accuracy in [0, 1], answer type, question type)
        self._questions: dict[Hashable, tuple[float, str | None, str | None]] = {}

    def update(
        self,
        predictions: Sequence[str],
        answers: Sequence[Sequence[str]],
        question_ids: Sequence[Hashable] | None = None,
        answer_types: Sequence[str] | None = None,
        question_types: Sequence[str] | None = None,
        answer_records: Sequence[Sequence[Hashable]] | None = None,
    ) -> None:
        """Adds a batch of predictions.

        Args:
            predictions: raw predicted answers, (B,).
            answers: each question's raw human answers, (B, ~10).
            question_ids: when given, a question seen again (a distributed sampler pads with
                repeats) counts once.
            answer_types: e.g. "yes/no", "number", "other", (B,).
            question_types: e.g. "what color is the", (B,).
            answer_records: per question, see :func:`vqa_question_accuracy`.
        """
        size = len(predictions)
        for name, values in (
            ("answers", answers),
            ("question_ids", question_ids),
            ("answer_types", answer_types),
            ("question_types", question_types),
            ("answer_records", answer_records),
        ):
            if values is not None and len(values) != size:
                raise ValueError(f"update got {size} predictions but {len(values)} {name}")
        batch = uuid.uuid4().hex
        for row, prediction in enumerate(predictions):
            key: Hashable = question_ids[row] if question_ids is not None else (batch, row)
            if key in self._questions:
                continue
            records = answer_records[row] if answer_records is not None else None
            self._questions[key] = (
                vqa_question_accuracy(prediction, answers[row], records),
                answer_types[row] if answer_types is not None else None,
                question_types[row] if question_types is not None else None,
            )

    def state(self) -> dict[str, Any]:
        return {"questions": dict(self._questions)}

    def merge(self, state: dict[str, Any]) -> None:
        for key, value in state["questions"].items():
            self._questions.setdefault(key, tuple(value))

    def per_question(self) -> dict[Hashable, float]:
        """Each question's accuracy ×100 (the official ``evalQA``, unrounded)."""
        return {key: 100 * value[0] for key, value in self._questions.items()}

    def _groups(self) -> tuple[list[float], dict[str, list[float]], dict[str, list[float]]]:
        overall: list[float] = []
        by_answer: dict[str, list[float]] = defaultdict(list)
        by_question: dict[str, list[float]] = defaultdict(list)
        for accuracy, answer_type, question_type in self._questions.values():
            overall.append(accuracy)
            if answer_type is not None:
                by_answer[answer_type].append(accuracy)
            if question_type is not None:
                by_question[question_type].append(accuracy)
        return overall, by_answer, by_question

    def compute(self) -> dict[str, float]:
        overall, by_answer, by_question = self._groups()
        if not overall:
            return {}
        results = {"vqa_accuracy": 100 * float(sum(overall)) / len(overall)}
        for prefix, groups in (("answer_type", by_answer), ("question_type", by_question)):
            for name in sorted(groups):
                values = groups[name]
                results[f"vqa_accuracy/{prefix}/{name}"] = 100 * float(sum(values)) / len(values)
        return results

    def official(self, decimals: int = 2) -> dict[str, Any]:
        """The official ``VQAEval.accuracy``: overall, perQuestionType, perAnswerType, rounded."""
        overall, by_answer, by_question = self._groups()
        if not overall:
            return {}

        def mean(values: list[float]) -> float:
            return round(100 * float(sum(values)) / len(values), decimals)

        return {
            "overall": mean(overall),
            "perQuestionType": {name: mean(values) for name, values in by_question.items()},
            "perAnswerType": {name: mean(values) for name, values in by_answer.items()},
        }
