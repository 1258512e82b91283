"""easy-VQA images with their attributes — one shape and one colour each — for auxiliary tasks.

easy-VQA ships questions, not labels, but every image holds exactly one coloured shape, so its
attributes can be read off the questions asked about it:

- the answer to a shape question (``what shape is in the image?``) is its shape, and the
  answer to a colour question (``what color is the shape?``) its colour;
- a question that names an attribute in passing (``what color is the circle?``,
  ``what is the red shape?``) asserts it;
- a yes/no question about one attribute asserts it when the answer says it is present
  (``is there a red shape?`` → yes, ``is there not a red shape?`` → no).

Every piece of evidence about an image must agree, or the data is rejected (a
:class:`~polymodal.errors.DataError` naming the image). Images whose questions never reveal an
attribute are left out and counted in :attr:`EasyVQAAttributes.skipped`.

The split (``train`` / ``val`` / ``test``) is the one of :class:`EasyVQA` with the same
``val_fraction`` and ``val_seed``, so an attribute task never trains on a VQA task's
validation images.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from polymodal.data.datasets.easy_vqa import SHAPES, EasyVQA
from polymodal.errors import DataError

COLORS = frozenset({"black", "blue", "brown", "gray", "green", "red", "teal", "yellow"})
ATTRIBUTES = ("shape", "color")


def _kind(word: str) -> str | None:
    if word in SHAPES:
        return "shape"
    return "color" if word in COLORS else None


def _negated(words: list[str]) -> bool:
    return "not" in words or words[:2] == ["is", "no"]


def question_evidence(question: str, answer: str) -> list[tuple[str, str]]:
    """The (attribute, value) pairs that one question and its answer assert about the image."""
    words = question.lower().rstrip("?").split()
    named = [(kind, word) for word in words if (kind := _kind(word)) is not None]
    if answer in ("yes", "no"):
        present = (answer == "yes") != _negated(words)
        # "is there a red shape?" → no says only that it is not red: no evidence.
        return named if present else []
    kind = _kind(answer)
    if kind is None:
        return []
    # An open question's answer is one attribute; the words of the question name the other.
    return [*named, (kind, answer)]


def image_attributes(
    questions: Iterable[tuple[str, str, int]],
) -> dict[int, dict[str, str]]:
    """image id → ``{"shape": ..., "color": ...}`` (only what the questions reveal).

    Raises:
        DataError: when two questions about one image disagree.
    """
    attributes: dict[int, dict[str, str]] = {}
    for question, answer, image_id in questions:
        known = attributes.setdefault(image_id, {})
        for attribute, value in question_evidence(question, answer):
            if known.setdefault(attribute, value) != value:
                raise DataError(
                    f"easy-VQA image {image_id}: questions disagree about its {attribute} "
                    f"({known[attribute]!r} vs {value!r}, from {question!r} → {answer!r})"
                )
    return attributes


class EasyVQAAttributes(Dataset[dict[str, Any]]):
    """One sample per easy-VQA image: the image, its shape and its colour.

    Args:
        split: ``train``, ``val`` (carved from train by image, as in :class:`EasyVQA`) or
            ``test``.
        root: data folder; ``None`` uses the installed ``easy-vqa`` package's data.
        val_fraction: share of training images held out as ``val`` (keep it equal to the
            VQA task's).
        val_seed: seed of the train/val image assignment (keep it equal to the VQA task's).
        limit: keep only the first ``limit`` images (by id), ``None`` for all.
        preload: decode every image once at construction.
        attributes: the attributes each sample carries; an image whose questions do not
            reveal all of them is left out (``["shape"]`` keeps more images for a shape task).

    Each sample: ``id`` and ``image_id`` (int), ``image`` ((3, 64, 64) uint8), and each of
    ``attributes`` (``shape``, ``color``: str).

    Attributes:
        skipped: images left out because their questions do not reveal every attribute
            (with ``limit``, among the images read).
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path | None = None,
        val_fraction: float = 0.1,
        val_seed: int = 0,
        limit: int | None = None,
        preload: bool = True,
        attributes: tuple[str, ...] | list[str] = ATTRIBUTES,
    ) -> None:
        unknown = sorted(set(attributes) - set(ATTRIBUTES))
        if unknown or not attributes:
            raise DataError(
                f"EasyVQAAttributes attributes must be a non-empty subset of {ATTRIBUTES}, "
                f"got {list(attributes)}"
            )
        self.names = tuple(attributes)
        self.questions = EasyVQA(split, root, val_fraction, val_seed, preload=False)
        by_image: dict[int, list[tuple[str, str, int]]] = {}
        for entry in self.questions.questions:
            by_image.setdefault(entry[2], []).append(entry)
        self.attributes: dict[int, dict[str, str]] = {}
        self.skipped = 0
        for image_id in sorted(by_image):
            if limit is not None and len(self.attributes) >= limit:
                break  # with a limit, only the images kept are read
            known = image_attributes(by_image[image_id])[image_id]
            if set(self.names) <= set(known):
                self.attributes[image_id] = {name: known[name] for name in self.names}
            else:
                self.skipped += 1
        self.image_ids = list(self.attributes)
        if preload:
            for image_id in self.image_ids:
                self.questions.image(image_id)

    def field_values(self, field: str) -> list[Any]:
        """Every sample's value of a non-image field, without decoding images."""
        if field in self.names:
            return [self.attributes[image_id][field] for image_id in self.image_ids]
        if field in ("id", "image_id"):
            return list(self.image_ids)
        raise KeyError(f"EasyVQAAttributes has no field {field!r} to list")

    def __len__(self) -> int:
        return len(self.image_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        image_id = self.image_ids[index]
        image: torch.Tensor = self.questions.image(image_id)
        return {"id": image_id, "image": image, "image_id": image_id, **self.attributes[image_id]}
