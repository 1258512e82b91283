"""A horizontal flip that keeps text true: the image is mirrored and "left" and "right" trade
places in its question, caption and answers — and in a CLEVR-style scene, functional program
and boxes. (An image flipped alone turns every left/right answer into its opposite.)
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms import _random
from polymodal.data.transforms._image import check_probability, single_image
from polymodal.data.transforms.geometry import hflip
from polymodal.data.transforms.record import describe, record_sample
from polymodal.data.transforms.topics import TEXT_FIELDS

#: Words a horizontal mirror turns into each other (both directions are added).
MIRROR_WORDS = {
    "left": "right",
    "leftmost": "rightmost",
    "leftward": "rightward",
    "leftwards": "rightwards",
    "lefthand": "righthand",
}


class WordSwapper:
    """Swaps paired words (whole words, any case: ``Left`` → ``Right``) in one pass."""

    def __init__(self, pairs: Mapping[str, str]) -> None:
        table = {}
        for first, second in pairs.items():
            table[first.lower()], table[second.lower()] = second.lower(), first.lower()
        self.table = table
        alternatives = "|".join(sorted(map(re.escape, table), key=len, reverse=True))
        self.pattern = re.compile(rf"\b({alternatives})\b", re.IGNORECASE)

    def __call__(self, text: str) -> tuple[str, int]:
        """The text with every paired word swapped, and the number of swaps."""
        count = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal count
            count += 1
            word = match.group(0)
            other = self.table[word.lower()]
            if word.isupper() and len(word) > 1:
                return other.upper()
            return other[:1].upper() + other[1:] if word[:1].isupper() else other

        return self.pattern.sub(swap, text), count


def mirror_scene(scene: Mapping[str, Any], width: int, swapper: WordSwapper) -> dict[str, Any]:
    """A CLEVR-format scene seen in a mirror: pixel columns c → width − c, 3-D positions
    reflected across the plane through the origin perpendicular to the scene's ``right``
    direction, rotations negated, and the ``left`` / ``right`` relationships swapped."""
    mirrored = copy.deepcopy(dict(scene))
    right = [float(v) for v in scene.get("directions", {}).get("right", [1.0, 0.0, 0.0])]
    norm = sum(v * v for v in right) ** 0.5 or 1.0
    right = [v / norm for v in right]
    for obj in mirrored.get("objects", []):
        if "pixel_coords" in obj:
            obj["pixel_coords"][0] = width - obj["pixel_coords"][0]
        if "3d_coords" in obj:
            coords = obj["3d_coords"]
            along = sum(c * r for c, r in zip(coords, right, strict=False))
            reflected = [c - 2 * along * r for c, r in zip(coords, right, strict=False)]
            obj["3d_coords"] = reflected + list(coords[len(reflected) :])
        if "rotation" in obj:
            obj["rotation"] = (-float(obj["rotation"])) % 360.0
    relationships = mirrored.get("relationships")
    if isinstance(relationships, dict):
        mirrored["relationships"] = {
            swapper.table.get(name, name): rows for name, rows in relationships.items()
        }
    return mirrored


def mirror_program(program: Sequence[Any], swapper: WordSwapper) -> list[Any]:
    """A CLEVR functional program with ``left`` / ``right`` value inputs swapped."""
    mirrored = copy.deepcopy(list(program))
    for step in mirrored:
        if not isinstance(step, dict):
            continue
        for key in ("value_inputs", "side_inputs"):
            if isinstance(step.get(key), list):
                step[key] = [
                    swapper.table.get(v, v) if isinstance(v, str) else v for v in step[key]
                ]
    return mirrored


def mirror_boxes(boxes: Any, width: int) -> Any:
    """(K, 4) boxes (x0, y0, x1, y1) in pixels, mirrored left–right (tensor or lists)."""
    if isinstance(boxes, torch.Tensor):
        mirrored = boxes.clone()
        mirrored[..., 0], mirrored[..., 2] = width - boxes[..., 2], width - boxes[..., 0]
        return mirrored
    return [[width - b[2], b[1], width - b[0], b[3]] for b in boxes]


class ConsistentHorizontalFlip:
    """Mirrors the image and swaps "left" ↔ "right" in its text with probability ``p``.

    Every text field present (``question``, ``caption``, ``captions``, ``answers``, …; strings
    or lists of strings) has its mirror words (:data:`MIRROR_WORDS`, whole words, case kept)
    swapped, so "Is the cube left of the sphere?" becomes "Is the cube right of the sphere?"
    with the same answer, and the answer "left" to "Which side is the cube on?" becomes
    "right". Structured descriptions are mirrored too: a CLEVR-style ``scene``
    (:func:`mirror_scene`), a functional ``program``, and ``boxes``.

    "right" meaning "correct" is swapped as well: the transform cannot tell the senses apart.

    Args:
        p: probability of flipping a sample.
        field: the image field.
        text_fields: fields whose text is changed.
        pairs: extra word pairs to swap, added to :data:`MIRROR_WORDS`.
        structured: also mirror ``scene``, ``program`` and ``boxes`` when present.
        record: append ``hflip(words=N)`` (N words swapped) to ``augmentations``.

    Shapes:
        sample[field]: (C, H, W), any dtype → same.
    """

    def __init__(
        self,
        p: float = 0.5,
        field: str = "image",
        text_fields: Sequence[str] = TEXT_FIELDS,
        pairs: Mapping[str, str] | None = None,
        structured: bool = True,
        record: bool = False,
    ) -> None:
        self.p = check_probability("p", p)
        self.field = field
        self.text_fields = tuple(text_fields)
        self.swapper = WordSwapper({**MIRROR_WORDS, **(pairs or {})})
        self.structured = structured
        self.record = record

    def flip_text(self, value: Any) -> tuple[Any, int]:
        """A string or a list of strings with mirror words swapped, and the swap count."""
        if isinstance(value, str):
            return self.swapper(value)
        if isinstance(value, list | tuple):
            results = [self.swapper(v) if isinstance(v, str) else (v, 0) for v in value]
            return type(value)(text for text, _ in results), sum(n for _, n in results)
        return value, 0

    def __call__(
        self, sample: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        image = single_image(sample, self.field, "ConsistentHorizontalFlip")
        flip = bool(_random.bernoulli(generator, 1, self.p).item())
        if not flip:
            if self.record:
                record_sample(sample, None)
            return sample
        sample[self.field] = hflip(image)
        swaps = 0
        for field in self.text_fields:
            if field in sample:
                sample[field], count = self.flip_text(sample[field])
                swaps += count
        width = int(image.shape[-1])
        if self.structured:
            if isinstance(sample.get("scene"), Mapping):
                sample["scene"] = mirror_scene(sample["scene"], width, self.swapper)
            if isinstance(sample.get("program"), list):
                sample["program"] = mirror_program(sample["program"], self.swapper)
            if sample.get("boxes") is not None:
                sample["boxes"] = mirror_boxes(sample["boxes"], width)
        if self.record:
            record_sample(sample, describe("hflip", words=swaps))
        return sample
