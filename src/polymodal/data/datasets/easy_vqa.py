"""easy-VQA (Zhou 2020): 64×64 images of one coloured shape, 13 answers.

The ``easy-vqa`` package on PyPI ships the published data — 4,000 train / 1,000 test images,
38,575 / 9,673 questions — so this dataset needs no download. Any folder with the same layout
works too::

    ROOT/train/questions.json   [[question, answer, image_id], ...]
    ROOT/train/images/<image_id>.png
    ROOT/test/questions.json
    ROOT/test/images/<image_id>.png

There is no official validation split: ``val`` is carved from ``train`` by *image*
(deterministically from ``val_seed``), so no validation image is seen in training.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from polymodal.data.images import load_image
from polymodal.errors import DataError

SPLITS = ("train", "val", "test")
SHAPES = frozenset({"circle", "rectangle", "triangle"})


def default_root() -> Path:
    """The data folder inside the installed ``easy-vqa`` package."""
    try:
        import easy_vqa
    except ImportError:
        raise DataError(
            "the easy-vqa package is not installed (pip install easy-vqa), "
            "and no root folder was given"
        ) from None
    return Path(easy_vqa.__file__).resolve().parent / "data"


def answer_type(answer: str) -> str:
    """``yes/no``, ``shape`` or ``color``."""
    if answer in ("yes", "no"):
        return "yes/no"
    return "shape" if answer in SHAPES else "color"


def question_type(question: str, answer: str) -> str:
    """The kind of question: what it asks for, and whether a yes/no question is negated."""
    kind = answer_type(answer)
    if kind != "yes/no":
        return kind
    words = question.lower().split()
    return "yes/no negated" if "not" in words or words[:2] == ["is", "no"] else "yes/no"


def _read_questions(path: Path) -> list[tuple[str, str, int]]:
    if not path.is_file():
        raise DataError(f"easy-VQA questions file not found: {path}")
    try:
        entries = json.loads(path.read_text())
    except ValueError as error:
        raise DataError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a list of [question, answer, image_id] entries")
    questions = []
    for index, entry in enumerate(entries):
        if (
            not isinstance(entry, list)
            or len(entry) != 3
            or not isinstance(entry[0], str)
            or not isinstance(entry[1], str)
            or not isinstance(entry[2], int)
        ):
            raise DataError(
                f"{path}: entry {index} is {entry!r}; expected [question: str, answer: str, "
                "image_id: int]"
            )
        questions.append((entry[0], entry[1], entry[2]))
    return questions


class EasyVQA(Dataset[dict[str, Any]]):
    """easy-VQA questions with their images.

    Args:
        split: ``train``, ``val`` (carved from train) or ``test``.
        root: data folder; ``None`` uses the installed ``easy-vqa`` package's data.
        val_fraction: share of training images held out as ``val``.
        val_seed: seed of the train/val image assignment (keep it fixed across runs).
        limit: keep only the first ``limit`` questions (for quick runs), ``None`` for all.
        preload: decode every image once at construction (errors surface before training).

    Each sample: ``id`` (int), ``image`` ((3, 64, 64) uint8), ``question`` (str),
    ``answers`` (list of one str), ``image_id`` (int), ``question_type``, ``answer_type``.
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path | None = None,
        val_fraction: float = 0.1,
        val_seed: int = 0,
        limit: int | None = None,
        preload: bool = True,
    ) -> None:
        if split not in SPLITS:
            raise DataError(f"EasyVQA split must be one of {SPLITS}, got {split!r}")
        if not 0.0 <= val_fraction < 1.0:
            raise DataError(f"EasyVQA val_fraction must be in [0, 1), got {val_fraction}")
        self.root = Path(root) if root is not None else default_root()
        folder = self.root / ("test" if split == "test" else "train")
        self.image_dir = folder / "images"
        questions = _read_questions(folder / "questions.json")
        if split != "test":
            image_ids = sorted({image_id for _, _, image_id in questions})
            random.Random(val_seed).shuffle(image_ids)
            val_ids = set(image_ids[: round(len(image_ids) * val_fraction)])
            questions = [q for q in questions if (q[2] in val_ids) == (split == "val")]
        if limit is not None:
            questions = questions[:limit]
        self.split = split
        self.questions = questions
        self._images: dict[int, torch.Tensor] = {}
        missing = [i for i in self.image_ids if not self.image_path(i).is_file()]
        if missing:
            raise DataError(
                f"easy-VQA {split}: {len(missing)} image file(s) missing from {self.image_dir}, "
                f"e.g. {self.image_path(missing[0]).name}"
            )
        if preload:
            for image_id in self.image_ids:
                self._images[image_id] = load_image(self.image_path(image_id))

    @property
    def image_ids(self) -> list[int]:
        return sorted({image_id for _, _, image_id in self.questions})

    def image_path(self, image_id: int) -> Path:
        return self.image_dir / f"{image_id}.png"

    def image(self, image_id: int) -> torch.Tensor:
        if image_id not in self._images:
            self._images[image_id] = load_image(self.image_path(image_id))
        return self._images[image_id]

    def field_values(self, field: str) -> list[Any]:
        """Every sample's value of a non-image field, without touching images (used to fit
        tokenizers and answer vocabularies)."""
        if field == "question":
            return [question for question, _, _ in self.questions]
        if field == "answers":
            return [[answer] for _, answer, _ in self.questions]
        if field == "image_id":
            return [image_id for _, _, image_id in self.questions]
        if field in ("question_type", "answer_type"):
            return [self[i][field] for i in range(len(self))]
        raise KeyError(f"EasyVQA has no field {field!r} to list")

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> dict[str, Any]:
        question, answer, image_id = self.questions[index]
        return {
            "id": index,
            "image": self.image(image_id),
            "question": question,
            "answers": [answer],
            "image_id": image_id,
            "question_type": question_type(question, answer),
            "answer_type": answer_type(answer),
        }
