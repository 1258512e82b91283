"""Cross-modal augmentations: an image changed only in ways its text allows.

- :class:`~polymodal.data.transforms.mirror.ConsistentHorizontalFlip` (in :mod:`.mirror`)
  mirrors the image and swaps "left" and "right" in the question, caption and answers.
- :class:`ConsistentResizedCrop` never crops away an object: with known object locations
  (``boxes`` or a CLEVR-style ``scene``) it only uses crops that keep every object; without
  them it leaves spatial and counting questions uncropped.
- :class:`ConsistentColorJitter` is colour jitter that leaves alone any sample whose text
  mentions a colour; :class:`TextGuard` does the same for any augmentation and topic.

They are sample augmentations (``augment:``): they need a raw sample's text, so they refuse
a batch. Every decision is drawn from the given generator; with ``record=True`` each appends
what it did (or why it did nothing) to ``augmentations``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms import _random
from polymodal.data.transforms._image import as_batch, check_probability, restore, single_image
from polymodal.data.transforms.color import ColorJitter
from polymodal.data.transforms.geometry import RandomResizedCrop, crop_pixels, describe_crop
from polymodal.data.transforms.record import record_sample
from polymodal.data.transforms.topics import TEXT_FIELDS, check_topics, mentions, texts_of

Augmentation = Callable[[MutableMapping[str, Any], torch.Generator], MutableMapping[str, Any]]


def object_boxes(sample: Mapping[str, Any], height: int, width: int) -> torch.Tensor | None:
    """(K, 4) object boxes (x0, y0, x1, y1) in pixels, or ``None`` when unknown.

    From ``boxes`` when the sample has it; else from a CLEVR-style ``scene``: each object's
    ``pixel_coords`` centre ± its radius (exact for :mod:`polymodal.data.synthetic` scenes,
    an estimate for rendered CLEVR).
    """
    if sample.get("boxes") is not None:
        return torch.as_tensor(sample["boxes"], dtype=torch.float32).reshape(-1, 4)
    scene = sample.get("scene")
    if not isinstance(scene, Mapping) or not scene.get("objects"):
        return None
    from polymodal.data.synthetic.scenes import SIZES, pixel_radius

    boxes = []
    for obj in scene["objects"]:
        if "pixel_coords" not in obj:
            return None
        column, row = (float(v) for v in obj["pixel_coords"][:2])
        size = obj.get("size")
        radius = pixel_radius(size, width, height) if size in SIZES else 0.1 * min(height, width)
        boxes.append([column - radius, row - radius, column + radius, row + radius])
    return torch.tensor(boxes, dtype=torch.float32)


def visible_fraction(boxes: torch.Tensor, crop: Sequence[float]) -> torch.Tensor:
    """(K,) share of each box's area inside the crop (x0, y0, x1, y1); boxes are first
    clipped to the image."""
    x0, y0, x1, y1 = crop
    width = (boxes[:, 2].clamp(max=x1) - boxes[:, 0].clamp(min=x0)).clamp(min=0)
    height = (boxes[:, 3].clamp(max=y1) - boxes[:, 1].clamp(min=y0)).clamp(min=0)
    area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).clamp(min=1e-6)
    return width * height / area


class ConsistentResizedCrop:
    """A random resized crop that never removes an object the text may refer to.

    For each sample, ``attempts`` crops are drawn (as :class:`RandomResizedCrop`). When the
    sample's object locations are known (``boxes``, or a CLEVR-style ``scene``), the first
    crop that keeps at least ``min_visible`` of every object is used — the crop moves and
    rescales the objects but removes none, so counts, existence and left/right answers stay
    true; when none does, the sample is not cropped. When locations are unknown, samples
    whose text mentions a topic in ``skip_topics`` (spatial and counting questions by
    default) are not cropped, and the others are.

    ``boxes`` and the scene's ``pixel_coords`` are moved to the cropped image's pixels.

    Args:
        scale: (min, max) share of the image area kept.
        ratio: (min, max) aspect ratio of the crop (width / height).
        size: output side or (height, width); ``None`` keeps the input size.
        p: probability of cropping a sample.
        min_visible: share of each object's box that must stay inside the crop (1: whole).
        skip_topics: topics (``spatial``, ``count``, ``color``, ``negation``) whose samples are
            not cropped when object locations are unknown.
        attempts: crops drawn per sample before giving up.
        field: the image field.
        text_fields: fields read for ``skip_topics``.
        record: append ``crop(…)`` or ``crop skipped (reason)`` to ``augmentations``.

    Shapes:
        sample[field]: (C, H, W), any dtype → (C, *size), same dtype.
    """

    def __init__(
        self,
        scale: Sequence[float] = (0.5, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        size: int | Sequence[int] | None = None,
        p: float = 1.0,
        min_visible: float = 1.0,
        skip_topics: Sequence[str] = ("spatial", "count"),
        attempts: int = 10,
        field: str = "image",
        text_fields: Sequence[str] = TEXT_FIELDS,
        record: bool = False,
    ) -> None:
        self.crop = RandomResizedCrop(scale, ratio, size, p=1.0, field=field)
        self.p = check_probability("p", p)
        if not 0.0 < min_visible <= 1.0:
            raise ValueError(f"min_visible must be in (0, 1], got {min_visible}")
        if attempts < 1:
            raise ValueError(f"attempts must be ≥ 1, got {attempts}")
        self.min_visible = min_visible
        self.skip_topics = check_topics(skip_topics)
        self.attempts = attempts
        self.field = field
        self.text_fields = tuple(text_fields)
        self.record = record

    def choose(
        self, sample: Mapping[str, Any], candidates: torch.Tensor, height: int, width: int
    ) -> tuple[torch.Tensor | None, str | None]:
        """The crop to use (normalised box) or ``None``, and why not."""
        boxes = object_boxes(sample, height, width)
        if boxes is None:
            topics = mentions(texts_of(sample, self.text_fields), self.skip_topics)
            if topics:
                return None, f"{topics[0]} text, object locations unknown"
            return candidates[0], None
        for candidate in candidates:
            crop = crop_pixels(candidate, height, width)
            if bool((visible_fraction(boxes, crop) >= self.min_visible - 1e-6).all()):
                return candidate, None
        return None, f"no crop in {self.attempts} keeps every object"

    def __call__(
        self, sample: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        image = single_image(sample, self.field, "ConsistentResizedCrop")
        height, width = int(image.shape[-2]), int(image.shape[-1])
        candidates = self.crop.draw(generator, self.attempts, height, width)
        applied = bool(_random.bernoulli(generator, 1, self.p).item())
        chosen, reason = self.choose(sample, candidates, height, width) if applied else (None, None)
        if chosen is None:
            if self.crop.size is not None:  # shapes must not depend on the draw
                images, _ = as_batch(image, self.field)
                resized = self.crop.apply_boxes(images, candidates[:1], torch.tensor([False]))
                sample[self.field] = restore(resized, image, batched=False)
            if self.record:
                record_sample(sample, f"crop skipped ({reason})" if reason else None)
            return sample
        images, _ = as_batch(image, self.field)
        cropped = self.crop.apply_boxes(images, chosen.unsqueeze(0), torch.tensor([True]))
        sample[self.field] = restore(cropped, image, batched=False)
        out_height, out_width = sample[self.field].shape[-2:]
        self._move_locations(sample, crop_pixels(chosen, height, width), out_height, out_width)
        if self.record:
            record_sample(sample, describe_crop(chosen, height, width))
        return sample

    @staticmethod
    def _move_locations(
        sample: MutableMapping[str, Any], crop: Sequence[float], height: int, width: int
    ) -> None:
        x0, y0, x1, y1 = crop
        sx, sy = width / (x1 - x0), height / (y1 - y0)
        if sample.get("boxes") is not None:
            boxes = torch.as_tensor(sample["boxes"], dtype=torch.float32).reshape(-1, 4).clone()
            boxes[:, 0::2] = (boxes[:, 0::2] - x0) * sx
            boxes[:, 1::2] = (boxes[:, 1::2] - y0) * sy
            sample["boxes"] = boxes
        scene = sample.get("scene")
        if isinstance(scene, Mapping) and scene.get("objects"):
            moved = copy.deepcopy(dict(scene))
            for obj in moved["objects"]:
                if "pixel_coords" in obj:
                    obj["pixel_coords"][0] = (obj["pixel_coords"][0] - x0) * sx
                    obj["pixel_coords"][1] = (obj["pixel_coords"][1] - y0) * sy
            sample["scene"] = moved


class TextGuard:
    """Runs ``transform`` only on samples whose text mentions none of ``topics``.

    E.g. ``TextGuard(RandAugment(...), topics=["color"])`` keeps colour questions' pixels,
    ``TextGuard(RandomRotation(...), topics=["spatial"])`` keeps spatial questions upright.

    Args:
        transform: a sample augmentation (built from its own ``_component_``).
        topics: ``color``, ``spatial``, ``count``, ``negation``
            (:mod:`~polymodal.data.transforms.topics`).
        text_fields: the fields whose text is read (question, caption(s), answers, …).
        record: append ``<Transform> skipped (text mentions <topic>)`` when it vetoes.
    """

    def __init__(
        self,
        transform: Augmentation,
        topics: Sequence[str] = ("color",),
        text_fields: Sequence[str] = TEXT_FIELDS,
        record: bool = False,
    ) -> None:
        if not callable(transform):
            raise ValueError(f"transform must be a sample augmentation, got {transform!r}")
        self.transform = transform
        self.topics = check_topics(topics)
        if not self.topics:
            raise ValueError("topics must name at least one topic")
        self.text_fields = tuple(text_fields)
        self.record = record

    def __call__(
        self, sample: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        found = mentions(texts_of(sample, self.text_fields), self.topics)
        if not found:
            return self.transform(sample, generator)
        if self.record:
            name = type(self.transform).__name__
            record_sample(sample, f"{name} skipped (text mentions {found[0]})")
        return sample


class ConsistentColorJitter:
    """:class:`~polymodal.data.transforms.ColorJitter` that never touches a sample whose text
    mentions a colour (a colour name, "colour", "dark", "bright", …): "Is the cube red?" keeps
    its red cube. Arguments as ``ColorJitter`` (the image is a raw sample's, so no
    ``mean`` / ``std``), plus ``text_fields``.
    """

    def __init__(
        self,
        brightness: float | Sequence[float] = 0.0,
        contrast: float | Sequence[float] = 0.0,
        saturation: float | Sequence[float] = 0.0,
        hue: float = 0.0,
        p: float = 1.0,
        field: str = "image",
        text_fields: Sequence[str] = TEXT_FIELDS,
        record: bool = False,
    ) -> None:
        self.jitter = ColorJitter(
            brightness, contrast, saturation, hue, p, field=field, record=record
        )
        self.guard = TextGuard(self.jitter, ("color",), text_fields, record)

    def __call__(
        self, sample: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        single_image(sample, self.jitter.field, "ConsistentColorJitter")
        return self.guard(sample, generator)
