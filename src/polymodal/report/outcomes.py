"""Each recorded prediction against its truth: the label a confusion matrix counts, and
whether the prediction was right."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig

from polymodal.errors import CheckpointError
from polymodal.metrics.vqa import vqa_question_accuracy


@dataclass(frozen=True)
class Outcome:
    """One prediction and its truth.

    Attributes:
        record: the prediction record from ``eval/<split>.json``.
        truth: the label: the class, or the most common human answer (ties: the first given).
        prediction: the predicted label.
        correct: ``prediction == truth`` (so a confusion matrix's diagonal counts exactly the
            correct ones).
        score: the task's own per-sample accuracy in [0, 1]: exact match, or the official VQA
            accuracy when a question has several human answers.
    """

    record: dict[str, Any]
    truth: str
    prediction: str
    correct: bool
    score: float


def label_field(config: DictConfig) -> str | None:
    """The record field holding the class, for tasks configured with a ``label_field``."""
    task = config.get("task") or {}
    field = task.get("label_field") if hasattr(task, "get") else None
    if field is not None:
        return str(field)
    target = str(task.get("_component_", "")) if hasattr(task, "get") else ""
    return "label" if target.endswith("ClassificationTask") else None


def _words(caption: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", caption.lower())


def outcome(record: dict[str, Any], field: str | None) -> Outcome:
    """Reads one record: VQA-style (``answers``), captioning (``captions``, the references) or
    classification (``field``)."""
    prediction = str(record.get("prediction"))
    if "answers" in record and isinstance(record["answers"], list) and record["answers"]:
        answers = [str(a) for a in record["answers"]]
        truth = Counter(answers).most_common(1)[0][0]
        if len(answers) == 1:
            score = float(prediction == answers[0])
        else:
            score = vqa_question_accuracy(prediction, answers)
        return Outcome(record, truth, prediction, prediction == truth, score)
    if "captions" in record and isinstance(record["captions"], list) and record["captions"]:
        # A generated caption is right when it equals a reference word for word (the
        # task's real scores are the caption metrics in the evaluation's metrics).
        references = [" ".join(_words(str(c))) for c in record["captions"]]
        said = " ".join(_words(prediction))
        truth = said if said in references else references[0]
        return Outcome(record, truth, said, said == truth, float(said == truth))
    if field is not None and isinstance(record.get("prediction"), float):
        # Regression (sentiment intensity): judged by sign, MMSA's Acc-2 "has0" convention.
        def polarity(value: Any) -> str:
            return "negative" if float(value) < 0 else "non-negative"

        truth, said = polarity(record[field]), polarity(record["prediction"])
        return Outcome(record, truth, said, said == truth, float(said == truth))
    if field is not None and field in record:
        truth = str(record[field])
        return Outcome(record, truth, prediction, prediction == truth, float(prediction == truth))
    raise CheckpointError(
        f"prediction record {record.get('id', '?')} has neither 'answers' nor a label field "
        f"({field!r}); fields: {sorted(record)}"
    )


def outcomes(records: Sequence[dict[str, Any]], field: str | None) -> list[Outcome]:
    return [outcome(record, field) for record in records]
