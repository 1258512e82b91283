"""Visual question answering as classification over an answer vocabulary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from polymodal.data.batch import Batch
from polymodal.data.fields import field_values
from polymodal.metrics.grouped import GroupedAccuracy
from polymodal.metrics.vqa import vqa_question_accuracy
from polymodal.models.multimodal import ModelOutput
from polymodal.tasks._decode import decode_labels
from polymodal.tasks.labels import LabelVocabulary


def question_accuracy(prediction: str, batch: Batch, row: int) -> float:
    """Exact match against a single answer; the official VQA accuracy against several."""
    answers = batch["answers"][row]
    if len(answers) == 1:
        return float(prediction == answers[0])
    return vqa_question_accuracy(prediction, answers)


class VQATask:
    """Answers are classes; each question's target is a soft score per answer.

    A question annotated with several answers (VQA v2 has ten) gets the soft score
    min(1, count/3) for each answer, the standard VQA training target; a question with one
    answer (easy-VQA, CLEVR, GQA) gets 1 for it.

    Args:
        head: the model head giving answer logits.
        max_answers: keep the ``max_answers`` most frequent training answers (``None``: all).
        min_answer_count: drop answers seen fewer times in training.
        loss: ``"softmax"`` — cross-entropy against the normalised soft scores — or ``"bce"``
            — binary cross-entropy per answer, scaled by the number of answers (as in
            bottom-up top-down VQA models).
        group_fields: sample fields whose values get their own accuracy (per question type…).
        answer_words: answer → the vocabulary word that says it, for a head that answers
            with a word (:class:`~polymodal.heads.ClozeAnswerHead`), e.g. ``{"2": "two"}``, or
            ``None`` for an answer no word should say (the answer "no" where "no" is a count,
            "there are no cubes"); answers not listed are their own word. When set, the recipe
            puts each answer's id in every word tokenizer's vocabulary (−1: none) in ``meta``
            as ``<field>_answer_ids``.

    Metrics: ``accuracy`` ×100, overall and per group. A question with one annotated answer
    scores 1 when the prediction equals it; a question with several human answers (VQA v2's
    ten) gets the official VQA accuracy — the mean over leave-one-out subsets of
    min(1, matches/3), after the official answer normalisation
    (:func:`polymodal.metrics.vqa.vqa_question_accuracy`).
    """

    record_fields = ("question", "answers", "question_type", "answer_type")

    def __init__(
        self,
        head: str = "answer",
        max_answers: int | None = None,
        min_answer_count: int = 1,
        loss: str = "softmax",
        group_fields: tuple[str, ...] | list[str] = ("question_type", "answer_type"),
        answer_words: Mapping[str, str] | None = None,
    ) -> None:
        if loss not in ("softmax", "bce"):
            raise ValueError(f"VQATask loss must be 'softmax' or 'bce', got {loss!r}")
        self.head = head
        self.max_answers = max_answers
        self.min_answer_count = min_answer_count
        self.loss_kind = loss
        self.group_fields = tuple(group_fields)
        self.answer_words = None if answer_words is None else dict(answer_words)
        self.answers = LabelVocabulary([])

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        occurrences = (a for answers in field_values(dataset, "answers") for a in answers)
        self.answers = LabelVocabulary.count(occurrences, self.max_answers, self.min_answer_count)
        if not self.answers:
            raise ValueError("VQATask.fit: the training split has no answers")

    def meta(self) -> dict[str, int]:
        return {"num_answers": len(self.answers)}

    def words_of_answers(self) -> list[str | None] | None:
        """The word that says each answer (``None``: no word), in class order (``None``
        without ``answer_words``)."""
        if self.answer_words is None:
            return None
        return [self.answer_words.get(answer, answer) for answer in self.answers.labels]

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        annotated = sample["answers"]
        counts = Counter(annotated)
        target = torch.zeros(len(self.answers))
        for answer, count in counts.items():
            if answer in self.answers:
                score = 1.0 if len(annotated) < 3 else min(1.0, count / 3)
                target[self.answers.index[answer]] = score
        return {"target": target}

    def loss(self, output: ModelOutput, batch: Batch) -> torch.Tensor:
        logits = output.logits[self.head].float()
        target = batch["target"]
        if self.loss_kind == "bce":
            return F.binary_cross_entropy_with_logits(logits, target) * target.shape[1]
        # Questions whose answers are all outside the vocabulary carry no signal here.
        total = target.sum(dim=1, keepdim=True)
        has_answer = total.squeeze(1) > 0
        distribution = target / total.clamp(min=1e-12)
        per_sample = -(distribution * F.log_softmax(logits, dim=-1)).sum(dim=-1)
        return (per_sample * has_answer).sum() / has_answer.sum().clamp(min=1)

    def decode(self, output: ModelOutput, top_k: int = 1) -> list[Any]:
        return decode_labels(
            output.logits[self.head], self.answers, top_k, multi_label=self.loss_kind == "bce"
        )

    def metrics(self) -> GroupedAccuracy:
        return GroupedAccuracy(question_accuracy, self.group_fields)

    def state_dict(self) -> dict[str, Any]:
        return {"answers": self.answers.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.answers = LabelVocabulary.from_state_dict(state["answers"])
