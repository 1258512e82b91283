"""Sort-of-CLEVR (Santoro et al. 2017, "A simple neural network module for relational
reasoning", §4 and appendix): 75×75 images of six objects, each of a different colour (red,
green, blue, orange, gray, yellow), each a circle or a square, with ten non-relational and ten
relational questions per image and ten possible answers.

Question kinds (the original generator's subtypes), about the object of colour ``X``:

* non-relational — ``shape`` (circle / rectangle), ``horizontal`` ("is it on the left?" yes /
  no), ``vertical`` ("is it at the top?" yes / no);
* relational — ``closest`` (the shape of the object closest to X), ``furthest`` (the shape of
  the object furthest from X), ``count`` (how many objects have X's shape, 1–6).

Each question is given in natural language *and* in the original 11-number encoding: one-hot
colour (6), one-hot kind non-relational / relational (2), one-hot subtype (3); the answer is
one of ``ANSWERS`` (its index is the original answer encoding).

:func:`write_sort_of_clevr` draws a split once, from ``seed``, and caches it as PNG images and
one JSON file; :class:`SortOfCLEVR` reads the cache (writing it first when it is missing).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch.utils.data import Dataset

from polymodal.errors import DataError

COLORS = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "orange": (255, 156, 0),
    "gray": (128, 128, 128),
    "yellow": (255, 255, 0),
}
SHAPES = ("rectangle", "circle")
ANSWERS = ("yes", "no", "rectangle", "circle", "1", "2", "3", "4", "5", "6")
NON_RELATIONAL = ("shape", "horizontal", "vertical")
RELATIONAL = ("closest", "furthest", "count")
IMAGE_SIZE = 75
#: Half the side of a square, the radius of a circle (pixels).
OBJECT_SIZE = 5
#: The original split: 9,800 training and 200 test images.
SPLIT_IMAGES = {"train": 9800, "test": 200}
QUESTIONS_PER_KIND = 10
_FORMAT_VERSION = 1

_TEMPLATES = {
    "shape": "What is the shape of the {color} object?",
    "horizontal": "Is the {color} object on the left of the image?",
    "vertical": "Is the {color} object at the top of the image?",
    "closest": "What is the shape of the object closest to the {color} object?",
    "furthest": "What is the shape of the object furthest from the {color} object?",
    "count": "How many objects have the same shape as the {color} object?",
}


def question_vector(color: str, subtype: str) -> list[int]:
    """The original encoding: one-hot colour (6), kind (2: non-relational, relational),
    subtype (3)."""
    vector = [0] * 11
    vector[list(COLORS).index(color)] = 1
    relational = subtype in RELATIONAL
    vector[6 + int(relational)] = 1
    vector[8 + (RELATIONAL if relational else NON_RELATIONAL).index(subtype)] = 1
    return vector


def generate_objects(rng: random.Random) -> list[dict[str, Any]]:
    """Six objects, one per colour, centres at least ``4·OBJECT_SIZE`` pixels apart (the
    original rejection rule), fully inside the image."""
    objects: list[dict[str, Any]] = []
    low, high = OBJECT_SIZE, IMAGE_SIZE - OBJECT_SIZE - 1
    for color in COLORS:
        while True:
            center = (rng.randint(low, high), rng.randint(low, high))
            if all(math.dist(center, o["center"]) >= 4 * OBJECT_SIZE for o in objects):
                break
        objects.append({"color": color, "shape": rng.choice(SHAPES), "center": list(center)})
    return objects


def answer(objects: list[dict[str, Any]], color: str, subtype: str) -> str:
    """The answer to question ``subtype`` about the object of ``color``."""
    target = next(o for o in objects if o["color"] == color)
    x, y = target["center"]
    if subtype == "shape":
        return str(target["shape"])
    if subtype == "horizontal":
        return "yes" if x < IMAGE_SIZE / 2 else "no"
    if subtype == "vertical":
        return "yes" if y < IMAGE_SIZE / 2 else "no"
    others = [o for o in objects if o is not target]
    if subtype == "count":
        return str(sum(o["shape"] == target["shape"] for o in objects))
    distances = [math.dist(target["center"], o["center"]) for o in others]
    pick = min if subtype == "closest" else max
    return str(others[distances.index(pick(distances))]["shape"])


def generate_questions(
    objects: list[dict[str, Any]], rng: random.Random, per_kind: int = QUESTIONS_PER_KIND
) -> list[dict[str, Any]]:
    """``per_kind`` non-relational then ``per_kind`` relational questions: each a random
    colour and a random subtype of its kind, as in the original generator."""
    questions = []
    for kind, subtypes in (("non-relational", NON_RELATIONAL), ("relational", RELATIONAL)):
        for _ in range(per_kind):
            color, subtype = rng.choice(list(COLORS)), rng.choice(subtypes)
            text = answer(objects, color, subtype)
            questions.append(
                {
                    "question": _TEMPLATES[subtype].format(color=color),
                    "question_vector": question_vector(color, subtype),
                    "kind": kind,
                    "subtype": subtype,
                    "color": color,
                    "answer": text,
                    "answer_index": ANSWERS.index(text),
                }
            )
    return questions


def render(objects: list[dict[str, Any]]) -> Image.Image:
    """The 75×75 RGB image: white background, filled squares and circles."""
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for obj in objects:
        x, y = obj["center"]
        box = [x - OBJECT_SIZE, y - OBJECT_SIZE, x + OBJECT_SIZE, y + OBJECT_SIZE]
        if obj["shape"] == "rectangle":
            draw.rectangle(box, fill=COLORS[obj["color"]])
        else:
            draw.ellipse(box, fill=COLORS[obj["color"]])
    return image


def _split_file(root: Path, split: str) -> Path:
    return root / f"sort_of_clevr_{split}.json"


def write_sort_of_clevr(
    root: str | Path,
    split: str = "train",
    num_images: int | None = None,
    seed: int = 0,
    questions_per_kind: int = QUESTIONS_PER_KIND,
) -> Path:
    """Draws a split and writes ``ROOT/images/<split>/<index>.png`` and
    ``ROOT/sort_of_clevr_<split>.json`` (scenes and questions).

    Image ``i`` is drawn from its own generator seeded by ``(seed, split, i)``: the same
    arguments give the same files on any machine, and a smaller split is a prefix of a larger.

    Args:
        root: the cache folder.
        split: ``train``, ``test`` or any name (other names give other images).
        num_images: images to draw (default: 9,800 for ``train``, 200 for ``test``).
        seed: the seed of everything.
        questions_per_kind: non-relational and relational questions per image (10 each).

    Returns:
        The JSON file written.
    """
    if num_images is None:
        if split not in SPLIT_IMAGES:
            raise ValueError(f"num_images is needed for split {split!r} (not train or test)")
        num_images = SPLIT_IMAGES[split]
    root = Path(root)
    images = root / "images" / split
    images.mkdir(parents=True, exist_ok=True)
    scenes = []
    for index in range(num_images):
        rng = random.Random(f"sort-of-clevr/{seed}/{split}/{index}")
        objects = generate_objects(rng)
        filename = f"{index:05d}.png"
        render(objects).save(images / filename)
        scenes.append(
            {
                "image_index": index,
                "image_filename": f"images/{split}/{filename}",
                "objects": objects,
                "questions": generate_questions(objects, rng, questions_per_kind),
            }
        )
    payload = {
        "info": {
            "dataset": "Sort-of-CLEVR",
            "format_version": _FORMAT_VERSION,
            "split": split,
            "seed": seed,
            "num_images": num_images,
            "questions_per_kind": questions_per_kind,
            "answers": list(ANSWERS),
        },
        "scenes": scenes,
    }
    path = _split_file(root, split)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload))
    temporary.replace(path)  # the JSON appears last, so a half-written cache is never read
    return path


class SortOfCLEVR(Dataset[dict[str, Any]]):
    """Sort-of-CLEVR questions, read from a cache folder (written first if it has no such
    split, or one drawn with other settings).

    Args:
        root: the cache folder.
        split: ``train`` (9,800 images) or ``test`` (200), or any name with ``num_images``.
        num_images: images in the split (default: the original sizes).
        seed: the seed the split is drawn from.
        limit: keep only the questions of the first ``limit`` images (quick runs).
        kinds: keep only these question kinds (``non-relational``, ``relational``).

    Samples: ``id``, ``image`` (3, 75, 75) uint8, ``question`` (text), ``question_vector``
    (11,) float, ``answers`` ([answer]), ``answer_index``, ``kind``, ``subtype``, ``color``,
    ``image_id``. Decoded images are kept in memory (9,800 images take 165 MB).
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        num_images: int | None = None,
        seed: int = 0,
        limit: int | None = None,
        kinds: tuple[str, ...] | list[str] = ("non-relational", "relational"),
    ) -> None:
        unknown = sorted(set(kinds) - {"non-relational", "relational"})
        if unknown:
            raise ValueError(f"kinds: {unknown} are not 'non-relational' or 'relational'")
        self.root = Path(root)
        expected = num_images if num_images is not None else SPLIT_IMAGES.get(split)
        path = _split_file(self.root, split)
        info = json.loads(path.read_text())["info"] if path.is_file() else None
        if info is None or (info["seed"], info["num_images"]) != (seed, expected):
            path = write_sort_of_clevr(self.root, split, expected, seed)
        payload = json.loads(path.read_text())
        if payload.get("info", {}).get("format_version") != _FORMAT_VERSION:
            raise DataError(f"{path}: not a Sort-of-CLEVR cache of format {_FORMAT_VERSION}")
        scenes = payload["scenes"][:limit] if limit is not None else payload["scenes"]
        self.scenes = scenes
        self.samples: list[dict[str, Any]] = []
        for scene in scenes:
            for number, question in enumerate(scene["questions"]):
                if question["kind"] in kinds:
                    self.samples.append(
                        {
                            "id": f"{split}/{scene['image_index']}/{number}",
                            "image_id": scene["image_index"],
                            **question,
                        }
                    )
        self._images: dict[int, torch.Tensor] = {}

    def image(self, image_id: int) -> torch.Tensor:
        """(3, 75, 75) uint8 image, decoded once."""
        cached = self._images.get(image_id)
        if cached is None:
            path = self.root / self.scenes[image_id]["image_filename"]
            if not path.is_file():
                raise DataError(f"{path}: image missing from the Sort-of-CLEVR cache")
            pixels = np.asarray(Image.open(path).convert("RGB"))
            cached = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))
            self._images[image_id] = cached
        return cached

    def _fields(self, sample: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": sample["id"],
            "question": sample["question"],
            "answers": [sample["answer"]],
            "answer_index": sample["answer_index"],
            "kind": sample["kind"],
            "subtype": sample["subtype"],
            "color": sample["color"],
            "image_id": sample["image_id"],
        }

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without decoding images."""
        if field == "question_vector":
            return [torch.tensor(s["question_vector"], dtype=torch.float32) for s in self.samples]
        if field not in self._fields(self.samples[0]):
            raise KeyError(f"SortOfCLEVR has no field {field!r} to list")
        return [self._fields(s)[field] for s in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = self.samples[index]
        return {
            **self._fields(sample),
            "image": self.image(sample["image_id"]),
            "question_vector": torch.tensor(sample["question_vector"], dtype=torch.float32),
        }
