"""Cross-modal retrieval with a dual encoder: the contrastive loss, recall@K over the whole
evaluated split, and zero-shot classification by prompt templates (CLIP, Radford et al. 2021,
§3.1.4)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from polymodal.data.batch import Batch, collate
from polymodal.losses.contrastive import contrastive_loss
from polymodal.metrics.retrieval import RECALL_AT, RetrievalMetrics
from polymodal.models.dual_encoder import DualEncoder, DualEncoderOutput

# Embeddings written into eval/<split>.json are rounded: enough to rank, a third of the size.
_DECIMALS = 5


def field_ids(batch: Batch, field: str) -> list[Hashable]:
    if field not in batch:
        raise KeyError(f"retrieval needs the field {field!r} in each sample; got {list(batch)}")
    values = batch[field]
    return values.tolist() if isinstance(values, torch.Tensor) else list(values)


class RetrievalAccumulator:
    """Collects each evaluated pair's embeddings and scores the whole split at the end (every
    text against every image, not batch by batch); images repeated for several captions are
    counted once, by id."""

    def __init__(self, id_field: str, recall_at: Sequence[int]) -> None:
        self.id_field = id_field
        self.retrieval = RetrievalMetrics(normalize=True, recall_at=recall_at)

    def update(self, predictions: list[Any], batch: Batch) -> None:
        ids = field_ids(batch, self.id_field)
        images = torch.tensor([p["image_embedding"] for p in predictions])
        texts = torch.tensor([p["text_embedding"] for p in predictions])
        self.retrieval.update(ids, images, ids, texts)

    def compute(self) -> dict[str, float]:
        return self.retrieval.compute()

    def reset(self) -> None:
        self.retrieval.reset()


class RetrievalTask:
    """Image–text retrieval: symmetric InfoNCE in training, recall@K in evaluation.

    Args:
        id_field: the sample field naming each pair's image; captions of one image are
            positives of each other in the loss, and one image in the metrics.
        recall_at: the K of recall@K.

    Metrics (whole split): ``t2i_recall@K`` (a caption finds its image), ``i2t_recall@K``
    (an image finds any of its captions), median / mean ranks and ``mean_recall``
    (:mod:`polymodal.metrics.retrieval`). Predictions are each pair's two embeddings.
    """

    head = "retrieval"
    record_fields = ("image_id", "caption")
    labelled_predictions = False
    """Predictions are embeddings, not labels: the run report's accuracy pages do not apply."""

    def __init__(self, id_field: str = "image_id", recall_at: Sequence[int] = RECALL_AT) -> None:
        self.id_field = id_field
        self.recall_at = tuple(int(k) for k in recall_at)

    def fit(self, dataset: Dataset[dict[str, Any]]) -> None:
        """Nothing to learn from the data (the tokenizer is a transform)."""

    def meta(self) -> dict[str, int]:
        return {}

    def targets(self, sample: dict[str, Any]) -> dict[str, Any]:
        return {}

    def loss(self, output: DualEncoderOutput, batch: Batch) -> torch.Tensor:
        ids = torch.as_tensor(
            field_ids(batch, self.id_field), device=output.image_embeddings.device
        )
        return contrastive_loss(
            output.image_embeddings, output.text_embeddings, output.logit_scale, ids
        )

    def decode(self, output: DualEncoderOutput, top_k: int = 1) -> list[Any]:
        images = output.image_embeddings.detach().float().cpu().numpy().round(_DECIMALS).tolist()
        texts = output.text_embeddings.detach().float().cpu().numpy().round(_DECIMALS).tolist()
        return [
            {"image_embedding": image, "text_embedding": text}
            for image, text in zip(images, texts, strict=True)
        ]

    def metrics(self) -> RetrievalAccumulator:
        return RetrievalAccumulator(self.id_field, self.recall_at)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Nothing was fitted."""


@torch.no_grad()
def class_embeddings(
    model: DualEncoder,
    class_names: Sequence[str],
    templates: Sequence[str],
    tokenize: Callable[[str], Any],
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """One unit vector per class: the mean of its prompts' text embeddings, renormalised
    (CLIP's prompt ensembling).

    Args:
        model: the dual encoder.
        class_names: the classes, e.g. ``["red", "blue"]``.
        templates: prompts with one ``{}`` for the class name, e.g.
            ``"there is a {} object in the scene."``.
        tokenize: text → token ids (the run's fitted tokenizer).
        device: where the model is.

    Returns:
        (C, E) class embeddings.
    """
    if not class_names:
        raise ValueError("zero-shot classification needs at least one class name")
    bad = [t for t in templates if t.count("{}") != 1]
    if not templates or bad:
        raise ValueError(f"each template needs exactly one '{{}}' for the class name; got {bad}")
    rows = []
    for name in class_names:
        prompts = collate([{"text": tokenize(t.format(name))} for t in templates])
        text = prompts["text"].to(device)
        rows.append(F.normalize(model.encode_text(text).mean(dim=0), dim=-1))
    return torch.stack(rows)


@torch.no_grad()
def zero_shot_classify(
    model: DualEncoder, images: torch.Tensor, classes: torch.Tensor
) -> torch.Tensor:
    """Class probabilities of each image: softmax over scaled cosine similarities.

    Shapes:
        images: (B, C, H, W) prepared as in training; classes: (K, E) from
        :func:`class_embeddings` → (B, K).
    """
    image_embeddings = model.encode_image(images)
    return F.softmax(model.scale() * image_embeddings @ classes.T, dim=-1)
