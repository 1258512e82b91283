"""Left/right questions about two-object scenes: a small VQA set on which a mirror image
changes the answers, for testing and measuring cross-modal augmentation.

Each image holds two objects of different colours, or one (CLEVR-style scenes from
:func:`~polymodal.data.synthetic.scenes.generate_scene`, rendered by
:func:`~polymodal.data.synthetic.render.render_tensor`). Questions come in four kinds, in equal
numbers (by default):

- ``side``: "Is the red thing to the left or to the right of the blue thing?" → left / right
  (one object: "... of the image?")
- ``relation``: "Is the red thing left of the blue thing?" → yes / no (one object: "Is the
  red thing on the left?")
- ``shape``: "What shape is the red thing?" → cube / sphere / cylinder
- ``color``: "What color is the cube?" → red / … (when the shape or size singles the
  object out; otherwise an ``exist`` question is asked)
- ``exist``: "Is there a green thing?" → yes / no

A horizontal flip of the image alone makes every ``side`` and ``relation`` answer wrong, and
leaves the others right; that contrast is what
``benchmarks/augmentation.py`` measures. Everything is a function of the seed.
"""

from __future__ import annotations

import random
from typing import Any

from torch.utils.data import Dataset

from polymodal.data.synthetic.render import render_tensor
from polymodal.data.synthetic.scenes import COLORS, generate_scene

KINDS = ("side", "relation", "shape", "color", "exist")
SPATIAL_KINDS = frozenset({"side", "relation"})
DEFAULT_COLORS = ("red", "blue", "green", "yellow")
#: A single object is at least this far (world units, of 3) from the vertical centre line.
MIN_OFFSET = 0.5


def _ask(
    scene: dict[str, Any], kind: str, rng: random.Random, palette: tuple[str, ...]
) -> tuple[str, str, str]:
    """(question, answer, kind asked)."""
    objects = scene["objects"]
    first = rng.choice(objects)
    a = first["color"]
    if len(objects) == 1:  # sides of the image
        first_is_left = first["3d_coords"][0] < 0
        anchor = ""
    else:  # sides of the other object
        second = next(obj for obj in objects if obj is not first)
        first_is_left = first["3d_coords"][0] < second["3d_coords"][0]
        anchor = f" the {second['color']} thing"
    if kind == "side":
        question = f"Is the {a} thing to the left or to the right of{anchor or ' the image'}?"
        return question, "left" if first_is_left else "right", kind
    if kind == "relation":
        relation = rng.choice(("left", "right"))
        holds = first_is_left == (relation == "left")
        where = f"{relation} of{anchor}" if anchor else f"on the {relation}"
        return f"Is the {a} thing {where}?", "yes" if holds else "no", kind
    if kind == "shape":
        return f"What shape is the {a} thing?", first["shape"], kind
    if kind == "color":
        others = [obj for obj in objects if obj is not first]
        if all(obj["shape"] != first["shape"] for obj in others):
            return f"What color is the {first['shape']}?", a, kind
        if all(obj["size"] != first["size"] for obj in others):
            return f"What color is the {first['size']} thing?", a, kind
        kind = "exist"  # no description without colour or position singles it out
    asked = rng.choice(palette)
    present = any(obj["color"] == asked for obj in objects)
    return f"Is there a {asked} thing?", "yes" if present else "no", "exist"


def _scene(
    rng: random.Random, index: int, split: str, num_objects: int, size: int
) -> dict[str, Any]:
    """A scene whose objects are clearly left or right: of each other (the scene generator's
    margins), or of the image centre for a single object."""
    while True:
        scene = generate_scene(rng, index, split, num_objects, num_objects, size, size)
        if num_objects > 1 or abs(scene["objects"][0]["3d_coords"][0]) >= MIN_OFFSET:
            return scene


class SpatialPairs(Dataset[dict[str, Any]]):
    """Two-object scenes with left/right, shape and existence questions.

    Args:
        split: any name; different names give different scenes.
        num_images: scenes to generate.
        questions_per_image: questions per scene; kinds cycle through ``kinds``.
        seed: the seed of everything.
        image_size: image side in pixels.
        colors: the palette (CLEVR colour names); the objects always differ in colour.
        kinds: question kinds to ask (see the module docstring).
        num_objects: 2 (questions compare the two objects) or 1 (questions ask which half of
            the image the object is in: "to the left or to the right of the image?", "Is
            the red thing on the left?").

    Each sample: ``id``, ``image`` ((3, S, S) uint8), ``question``, ``answers`` (one),
    ``image_id``, ``question_type`` (the kind), ``answer_type`` (``spatial`` or ``other``),
    ``scene`` (CLEVR format, so cross-modal augmentations can locate the objects).
    """

    def __init__(
        self,
        split: str = "train",
        num_images: int = 500,
        questions_per_image: int = 4,
        seed: int = 0,
        image_size: int = 64,
        colors: tuple[str, ...] | list[str] = DEFAULT_COLORS,
        kinds: tuple[str, ...] | list[str] = KINDS,
        num_objects: int = 2,
    ) -> None:
        palette = tuple(colors)
        unknown = [c for c in palette if c not in COLORS]
        if unknown or len(set(palette)) < 2:
            raise ValueError(
                f"colors must be ≥ 2 distinct names from {sorted(COLORS)}, got {colors}"
            )
        if not kinds or any(k not in KINDS for k in kinds):
            raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {kinds}")
        if num_objects not in (1, 2):
            raise ValueError(f"num_objects must be 1 or 2, got {num_objects}")
        if num_images < 1 or questions_per_image < 1:
            raise ValueError("num_images and questions_per_image must be ≥ 1")
        self.image_size = image_size
        self.scenes: list[dict[str, Any]] = []
        self.questions: list[tuple[int, str, str, str]] = []  # image, kind, question, answer
        for index in range(num_images):
            rng = random.Random(f"spatial-pairs/{seed}/{split}/{index}")
            scene = _scene(rng, index, split, num_objects, image_size)
            colors_drawn = rng.sample(palette, num_objects)
            for obj, color in zip(scene["objects"], colors_drawn, strict=True):
                obj["color"] = color
            self.scenes.append(scene)
            for number in range(questions_per_image):
                kind = kinds[(index * questions_per_image + number) % len(kinds)]
                question, answer, asked = _ask(scene, kind, rng, palette)
                self.questions.append((index, asked, question, answer))

    def _fields(self, index: int) -> dict[str, Any]:
        image_id, kind, question, answer = self.questions[index]
        return {
            "id": index,
            "question": question,
            "answers": [answer],
            "image_id": image_id,
            "question_type": kind,
            "answer_type": "spatial" if kind in SPATIAL_KINDS else "other",
        }

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without rendering images."""
        if field == "scene":
            return [self.scenes[image_id] for image_id, *_ in self.questions]
        if field not in self._fields(0):
            raise KeyError(f"SpatialPairs has no field {field!r} to list")
        return [self._fields(i)[field] for i in range(len(self))]

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> dict[str, Any]:
        fields = self._fields(index)
        scene = self.scenes[fields["image_id"]]
        size = self.image_size
        return {"image": render_tensor(scene, size, size), **fields, "scene": scene}
