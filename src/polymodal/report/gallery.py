"""A gallery of recorded predictions, right and wrong, each with where the model looked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from torch.utils.data import Dataset

from polymodal.errors import PolymodalError
from polymodal.interpret.explain import Explanation, explain
from polymodal.interpret.overlay import enlarge, overlay, to_rgb_array
from polymodal.recipes import components
from polymodal.recipes.predict import Predictor
from polymodal.report.outcomes import Outcome
from polymodal.report.records import RunRecords

THUMBNAIL_SIDE = 128
"""Small images are enlarged (by a whole factor) to about this many pixels."""


@dataclass(frozen=True)
class GalleryItem:
    """One example of the gallery.

    Attributes:
        outcome: the recorded prediction and its truth.
        text: the sample's question or other text input ('' without one).
        probability: the model's probability of the recorded prediction.
        heatmap: what the picture overlays: ``"question attention"`` or ``"Grad-CAM"``
            ('' without an image).
        png: the input image and its heatmap side by side, or ``None`` without an image.
    """

    outcome: Outcome
    text: str
    probability: float
    heatmap: str
    png: bytes | None


@dataclass(frozen=True)
class Gallery:
    """The examples, and why the gallery is empty or short ('' when it is not)."""

    items: list[GalleryItem]
    note: str = ""


def choose(outcomes: Sequence[Outcome], size: int) -> list[Outcome]:
    """Up to ``size`` examples, half correct and half wrong (filled from the other kind when
    one runs short), spread evenly over the records so they are not all from one corner."""

    def spread(pool: Sequence[Outcome], count: int) -> list[Outcome]:
        if count >= len(pool):
            return list(pool)
        return [pool[(2 * i + 1) * len(pool) // (2 * count)] for i in range(count)]

    wrong = [o for o in outcomes if not o.correct]
    right = [o for o in outcomes if o.correct]
    wanted_wrong = min(len(wrong), max(size // 2, size - len(right)))
    return spread(right, size - wanted_wrong) + spread(wrong, wanted_wrong)


def find_samples(dataset: Dataset[dict[str, Any]], ids: Sequence[Any]) -> dict[Any, dict[str, Any]]:
    """The samples with these ``id`` values: at the index equal to the id (how the shipped
    datasets number samples), else through the dataset's ``field_values("id")``.

    Raises:
        PolymodalError: some ids cannot be found.
    """
    found: dict[Any, dict[str, Any]] = {}
    size = len(dataset)  # type: ignore[arg-type]
    for sample_id in ids:
        if isinstance(sample_id, int) and 0 <= sample_id < size:
            sample = dataset[sample_id]
            if sample.get("id") == sample_id:
                found[sample_id] = sample
    missing = [sample_id for sample_id in ids if sample_id not in found]
    if missing:
        lister = getattr(dataset, "field_values", None)
        try:
            positions = {value: i for i, value in enumerate(lister("id"))} if lister else {}
        except (KeyError, ValueError):
            positions = {}
        for sample_id in missing:
            if sample_id in positions:
                found[sample_id] = dataset[positions[sample_id]]
    missing = [sample_id for sample_id in ids if sample_id not in found]
    if missing:
        raise PolymodalError(
            f"cannot find samples with ids {missing[:5]} in {type(dataset).__name__}"
        )
    return found


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def thumbnail(explanation: Explanation) -> tuple[str, bytes | None]:
    """The input image beside its heatmap (attention when the model has it, else Grad-CAM)."""
    image = explanation.image
    if image is None:
        return "", None
    if explanation.attention is not None:
        kind, heat = "question attention", explanation.attention.pooled[0]
    elif explanation.gradcam is not None:
        kind, heat = "Grad-CAM", explanation.gradcam
    else:
        return "", _png(to_rgb_array(image))
    if float(heat.max()) <= float(heat.min()):
        # A flat map is drawn all cold: say so, rather than let it pass for "looked nowhere".
        kind += " (flat: nothing stands out)"
    scale = max(1, THUMBNAIL_SIDE // max(int(image.shape[-2]), int(image.shape[-1])))
    original = enlarge(to_rgb_array(image), scale)
    heated = overlay(image, heat, scale=scale)
    gap = np.full((original.shape[0], 4, 3), 255, dtype=np.uint8)
    return kind, _png(np.concatenate([original, gap, heated], axis=1))


def build_gallery(
    records: RunRecords, split: str, outcomes: Sequence[Outcome], size: int
) -> Gallery:
    """Explains ``size`` recorded predictions of ``split`` with the checkpoint that made them.

    A gallery that cannot be built (the data or the checkpoint is gone) comes back empty with
    the reason as its note, so that the rest of the report is still written.
    """
    chosen = choose(outcomes, size)
    if not chosen:
        return Gallery([], f"no {split} predictions to show")
    checkpoint = str(records.evaluations[split].get("checkpoint", "best"))
    items = []
    try:
        dataset = components.build_dataset(records.config, split)
        samples = find_samples(dataset, [o.record.get("id") for o in chosen])
        predictor = Predictor(records.run.root, checkpoint)
        for o in chosen:
            sample = samples[o.record.get("id")]
            inputs = {field: sample[field] for field in predictor.inputs if field in sample}
            explanation = explain(predictor, inputs, answer=o.prediction, shapley=False)
            kind, png = thumbnail(explanation)
            text = next((str(v) for v in inputs.values() if isinstance(v, str)), "")
            items.append(GalleryItem(o, text, explanation.score, kind, png))
    except PolymodalError as error:
        return Gallery([], f"gallery skipped: {error}")
    return Gallery(items)
