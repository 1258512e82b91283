"""Explaining one prediction of a trained run: its answer, where it looked, what it relied on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import Batch, Padded, collate
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.errors import DataError
from polymodal.interpret.attention_maps import (
    ImageAttention,
    attentions_returned,
    image_attention,
    joint_source,
    locate,
)
from polymodal.interpret.attribution import (
    MAX_SHAPLEY_MODALITIES,
    Baseline,
    modality_attribution,
)
from polymodal.interpret.gradcam import grad_cam
from polymodal.interpret.grid import encoder_grid
from polymodal.interpret.targets import encoder_of, head_logits
from polymodal.recipes.predict import Predictor
from polymodal.tasks.labels import LabelVocabulary


@dataclass(frozen=True)
class Explanation:
    """One sample's prediction, explained.

    Attributes:
        ranked: the top answers with their probabilities, best first.
        answer: the answer explained (the prediction unless one was chosen).
        score: the model's probability of ``answer``.
        image: (3, H, W) uint8 — the raw image, or ``None`` without an image modality.
        image_modality: name of the image input, or ``None``.
        query_modality: name of the text input whose attention is shown, or ``None``.
        query_tokens: the words of the query, one per attention row.
        attention: the query's attention over the image cells (batch of one), or ``None``
            when the model has no attention from the query to the image.
        gradcam: (rows, columns) Grad-CAM of the image for ``answer``, or ``None``.
        removed: modality → the answer's probability with that modality at its baseline.
        effect: modality → probability lost when the modality is removed.
        shapley: modality → Shapley value of the modality for the answer's probability.
        empty: the answer's probability with every modality removed.
    """

    ranked: list[tuple[str, float]]
    answer: str
    score: float
    image: torch.Tensor | None
    image_modality: str | None
    query_modality: str | None
    query_tokens: list[str]
    attention: ImageAttention | None
    gradcam: torch.Tensor | None
    removed: dict[str, float]
    effect: dict[str, float]
    shapley: dict[str, float]
    empty: float


def label_vocabulary(task: Any) -> LabelVocabulary:
    """The labels a classification-like task predicts (VQA answers or classes)."""
    for attribute in ("answers", "classes"):
        labels = getattr(task, attribute, None)
        if isinstance(labels, LabelVocabulary):
            return labels
    raise DataError(f"{type(task).__name__} has no answer or class vocabulary to explain")


def prepare_batch(predictor: Predictor, sample: Mapping[str, Any]) -> Batch:
    """A raw sample → the model's one-sample input batch, as :meth:`Predictor.predict` makes it."""
    missing = [field for field in predictor.inputs if field not in sample]
    if missing:
        raise DataError(f"explaining needs the input(s) {missing}; got {list(sample)}")
    prepared = dict(sample)
    for field, transform in predictor.transforms.items():
        if field in prepared:
            prepared[field] = transform(prepared[field])
    batch = collate([prepared]).to(predictor.device)
    return apply_batch_transforms(batch, predictor.batch_transforms)


def image_modality(batch: Mapping[str, Any], modalities: Sequence[str]) -> str | None:
    """The first modality whose input is a batch of images, (B, C, H, W) floats."""
    for name in modalities:
        value = batch.get(name)
        if isinstance(value, torch.Tensor) and value.dim() == 4 and value.is_floating_point():
            return name
    return None


def text_modality(batch: Mapping[str, Any], modalities: Sequence[str]) -> str | None:
    """The first modality whose input is padded token ids."""
    for name in modalities:
        value = batch.get(name)
        if isinstance(value, Padded) and not value.values.is_floating_point():
            return name
    return None


@torch.no_grad()
def find_image_attention(
    model: nn.Module, batch: Mapping[str, Any], image: str, query: str, layer: int = -1
) -> ImageAttention | None:
    """The attention of ``query``'s tokens over ``image``'s cells in one layer of the fusion.

    Args:
        model: a MultimodalModel whose fusion can return attention maps.
        batch: the model's input.
        image: the image modality.
        query: the modality whose tokens attend (the question).
        layer: which of the matching maps, in layer order (default: the last).

    Returns:
        The heatmaps, or ``None`` when the model returns no map from ``query`` to ``image``.
    """
    with attentions_returned(model) as switched:
        if not switched:
            return None
        output = model(Batch(batch))
    order = list(getattr(getattr(model, "fusion", None), "input_dims", None) or output.encoded)
    found = []
    for name, weights in output.fused.attentions.items():
        source = locate(name, weights, output.encoded, order)
        if source is None:
            continue
        if source.query == source.key == "":
            source = joint_source(source, query, image, output.encoded, order)
        if (source.query, source.key) == (query, image):
            found.append((source, weights))
    if not found:
        return None
    found.sort(key=lambda item: item[0].layer)
    source, weights = found[layer]
    encoded_image, encoded_query = output.encoded[image], output.encoded[query]
    grid = encoder_grid(encoder_of(model, image), batch[image], int(encoded_image.tokens.shape[1]))
    return image_attention(
        weights, grid, source, int(encoded_query.tokens.shape[1]), encoded_query.mask
    )


def _text_baselines(predictor: Predictor, batch: Batch) -> dict[str, Baseline]:
    """The empty text, as each text input's own tokenizer encodes it."""
    baselines: dict[str, Baseline] = {}
    for field, transform in predictor.transforms.items():
        value = batch.get(field)
        if isinstance(value, Padded) and not value.values.is_floating_point():
            empty = collate([{field: transform("")}])[field].to(predictor.device)

            def repeat(current: Any, empty: Padded = empty) -> Padded:
                rows = current.values.shape[0]
                return Padded(empty.values.expand(rows, -1), empty.mask.expand(rows, -1))

            baselines[field] = repeat
    return baselines


def _token_labels(transform: Any, text: str, count: int) -> list[str]:
    split = getattr(transform, "split", None)
    words = list(split(text)) if callable(split) else []
    words = words[:count]
    return words + ["[UNK]"] * (count - len(words))


def explain(
    predictor: Predictor,
    sample: Mapping[str, Any],
    answer: str | None = None,
    top_k: int = 5,
    shapley: bool = True,
) -> Explanation:
    """Explains a trained run's answer to one raw sample.

    Args:
        predictor: the loaded run.
        sample: raw inputs, e.g. ``{"image": (3, H, W) uint8, "question": str}``.
        answer: the answer to explain (default: the predicted one).
        top_k: how many ranked answers to keep.
        shapley: compute Shapley values over the modalities (2^M forward passes; skipped
            for more than 4 modalities, leaving ``Explanation.shapley`` empty).

    Raises:
        DataError: an input is missing, or ``answer`` is not one of the run's answers.
    """
    model, task = predictor.model, predictor.task
    labels = label_vocabulary(task)
    batch = prepare_batch(predictor, sample)
    modalities = list(getattr(model, "modalities", predictor.inputs))
    head = str(getattr(task, "head", "")) or None
    with torch.no_grad():
        output = model(batch)
    ranked: list[tuple[str, float]] = task.decode(output, top_k=max(2, top_k))[0][:top_k]
    if answer is None:
        index = int(head_logits(output.logits, head).argmax(dim=-1)[0])
    elif answer in labels:
        index = labels.index[answer]
    else:
        raise DataError(
            f"answer {answer!r} is not one of the run's {len(labels)} answers, "
            f"e.g. {labels.labels[:5]}"
        )
    score_kind = "sigmoid" if getattr(task, "loss_kind", "") == "bce" else "probability"
    attribution = modality_attribution(
        model,
        batch,
        index,
        head,
        baselines=_text_baselines(predictor, batch),
        score=score_kind,
        modalities=modalities,
        shapley=shapley and len(modalities) <= MAX_SHAPLEY_MODALITIES,
    )
    image = image_modality(batch, modalities)
    query = text_modality(batch, modalities)
    attention = gradcam = None
    tokens: list[str] = []
    if image is not None:
        gradcam = grad_cam(model, batch, index, image, head)[0]
        if query is not None:
            attention = find_image_attention(model, batch, image, query)
    if attention is not None and query is not None:
        transform = predictor.transforms.get(query)
        tokens = _token_labels(transform, str(sample[query]), int(attention.tokens.shape[1]))
    return Explanation(
        ranked=[(str(label), float(p)) for label, p in ranked],
        answer=labels.labels[index],
        score=float(attribution.full[0]),
        image=raw if isinstance(raw := sample.get(image or ""), torch.Tensor) else None,
        image_modality=image,
        query_modality=query,
        query_tokens=tokens,
        attention=attention,
        gradcam=gradcam,
        removed={m: float(v[0]) for m, v in attribution.removed.items()},
        effect={m: float(v[0]) for m, v in attribution.effect.items()},
        shapley={m: float(v[0]) for m, v in attribution.shapley.items()},
        empty=float(attribution.empty[0]),
    )
