"""Vision-language pre-training as a task: a weighted sum of objectives in training; in
evaluation, retrieval recall (ITC), ITM accuracy and MLM accuracy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch.utils.data import Dataset

from polymodal.data.batch import Batch
from polymodal.errors import ConfigError
from polymodal.losses.captioning import caption_lm_loss
from polymodal.losses.contrastive import contrastive_loss
from polymodal.losses.itm import itm_loss
from polymodal.losses.mlm import IGNORE_INDEX, mlm_loss
from polymodal.metrics.retrieval import RECALL_AT
from polymodal.models.pretraining import DEFAULT_OBJECTIVES, OBJECTIVES, PretrainingOutput
from polymodal.tasks.retrieval import RetrievalAccumulator, RetrievalTask, field_ids

_DECIMALS = 5


class PretrainingMetrics:
    """Retrieval metrics over the whole split, plus ``itm_accuracy`` (over the 3 ITM rows of
    each pair), ``mlm_accuracy`` (over the masked tokens) and ``mlm_accuracy_other_image``
    (the same masked tokens, each caption fused with another image of its batch: the gap to
    ``mlm_accuracy`` is how much MLM reads the image), ×100."""

    def __init__(self, id_field: str, recall_at: Sequence[int]) -> None:
        self.retrieval = RetrievalAccumulator(id_field, recall_at)
        self.reset()

    def reset(self) -> None:
        self.retrieval.reset()
        self.itm_correct = self.itm_rows = self.mlm_correct = self.mlm_tokens = 0
        self.mlm_other_image_correct = 0

    def update(self, predictions: list[Any], batch: Batch) -> None:
        self.retrieval.update(predictions, batch)
        for prediction in predictions:
            self.itm_correct += prediction.get("itm_correct", 0)
            self.itm_rows += prediction.get("itm_rows", 0)
            self.mlm_correct += prediction.get("mlm_correct", 0)
            self.mlm_tokens += prediction.get("mlm_tokens", 0)
            self.mlm_other_image_correct += prediction.get("mlm_other_image_correct", 0)

    def compute(self) -> dict[str, float]:
        results = self.retrieval.compute()
        if self.itm_rows:
            results["itm_accuracy"] = 100.0 * self.itm_correct / self.itm_rows
        if self.mlm_tokens:
            results["mlm_accuracy"] = 100.0 * self.mlm_correct / self.mlm_tokens
            results["mlm_accuracy_other_image"] = (
                100.0 * self.mlm_other_image_correct / self.mlm_tokens
            )
        return results


class PretrainingTask:
    """Image–text pre-training: ``Σ weights[k] · loss_k`` over ITC, ITM, MLM and LM.

    Args:
        weights: objective → weight; the model must compute every objective with a weight
            (objectives with weight 0 are left out of the loss).
        id_field: the sample field naming each pair's image (captions of one image are
            positives of each other in ITC).
        recall_at: the K of the evaluation's recall@K.
        label_smoothing: ε of the captioning LM loss.
    """

    head = "pretraining"
    record_fields = ("image_id", "caption")
    labelled_predictions = False
    """Predictions are embeddings, not labels: the run report's accuracy pages do not apply."""

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        id_field: str = "image_id",
        recall_at: Sequence[int] = RECALL_AT,
        label_smoothing: float = 0.0,
    ) -> None:
        weights = dict(weights) if weights is not None else dict.fromkeys(DEFAULT_OBJECTIVES, 1.0)
        unknown = sorted(set(weights) - set(OBJECTIVES))
        if unknown:
            raise ConfigError(f"task.weights: unknown objective(s) {unknown}; known: {OBJECTIVES}")
        self.weights = {name: float(w) for name, w in weights.items() if float(w) != 0.0}
        if not self.weights:
            raise ConfigError("task.weights: every objective has weight 0")
        self.id_field = id_field
        self.label_smoothing = label_smoothing
        self.recall_at = tuple(int(k) for k in recall_at)
        self._retrieval = RetrievalTask(id_field, recall_at)

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        """Nothing to learn from the data (the tokenizer is a transform)."""

    def meta(self) -> dict[str, int]:
        return {}

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        return {}

    def objective_losses(self, output: PretrainingOutput, batch: Batch) -> dict[str, torch.Tensor]:
        """Objective → its (unweighted) loss, for the objectives with a weight."""
        losses = {}
        for name in self.weights:
            if name == "itc":
                ids = torch.as_tensor(
                    field_ids(batch, self.id_field), device=output.image_embeddings.device
                )
                losses[name] = contrastive_loss(
                    output.image_embeddings, output.text_embeddings, output.logit_scale, ids
                )
            elif name == "itm":
                if output.itm_logits is None or output.itm_labels is None:
                    raise ConfigError("task.weights has itm, but the model's objectives do not")
                losses[name] = itm_loss(output.itm_logits, output.itm_labels)
            elif name == "mlm":
                if output.mlm_logits is None or output.mlm_labels is None:
                    raise ConfigError("task.weights has mlm, but the model's objectives do not")
                losses[name] = mlm_loss(output.mlm_logits, output.mlm_labels)
            else:
                if output.lm_logits is None or output.lm_targets is None or output.lm_mask is None:
                    raise ConfigError("task.weights has lm, but the model's objectives do not")
                losses[name] = caption_lm_loss(
                    output.lm_logits, output.lm_targets, output.lm_mask, self.label_smoothing
                )
        return losses

    def loss(self, output: PretrainingOutput, batch: Batch) -> torch.Tensor:
        losses = self.objective_losses(output, batch)
        return torch.stack([self.weights[name] * loss for name, loss in losses.items()]).sum()

    def decode(self, output: PretrainingOutput, top_k: int = 1) -> list[Any]:
        predictions: list[dict[str, Any]] = self._retrieval.decode(output)  # type: ignore[arg-type]
        size = len(predictions)
        if output.itm_logits is not None and output.itm_labels is not None:
            correct = (output.itm_logits.argmax(dim=-1) == output.itm_labels).view(3, size)
            for row, count in enumerate(correct.sum(dim=0).tolist()):
                predictions[row].update(itm_correct=int(count), itm_rows=3)
        if output.mlm_logits is not None and output.mlm_labels is not None:
            chosen = output.mlm_labels != IGNORE_INDEX
            hits = (output.mlm_logits.argmax(dim=-1) == output.mlm_labels) & chosen
            for row, (count, total) in enumerate(
                zip(hits.sum(dim=1).tolist(), chosen.sum(dim=1).tolist(), strict=True)
            ):
                predictions[row].update(mlm_correct=int(count), mlm_tokens=int(total))
            if output.mlm_logits_other_image is not None:
                guesses = output.mlm_logits_other_image.argmax(dim=-1)
                other_hits = ((guesses == output.mlm_labels) & chosen).sum(dim=1).tolist()
                for row, count in enumerate(other_hits):
                    predictions[row]["mlm_other_image_correct"] = int(count)
        return predictions

    def metrics(self) -> PretrainingMetrics:
        return PretrainingMetrics(self.id_field, self.recall_at)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing was fitted."""
