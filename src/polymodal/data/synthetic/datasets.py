"""Synthetic datasets: CLEVR-style questions, template captions, retrieval pairs — and writing
them to disk in CLEVR's official layout.

Scene ``i`` of a split is drawn from its own generator seeded by ``(seed, split, i)``, so a
dataset of 100 images is the first 100 of one of 1,000, and ``train`` never repeats ``val``.
Images are rendered when a sample is read (in DataLoader workers), from the scene.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from polymodal.data.synthetic.captions import fact_caption, full_description, template_caption
from polymodal.data.synthetic.questions import FAMILIES, generate_question
from polymodal.data.synthetic.render import render_scene, render_tensor
from polymodal.data.synthetic.scenes import generate_scene

_INFO = {"version": "1.0", "license": "CC BY 4.0", "generator": "polymodal.data.synthetic"}


def scene_rng(seed: int, split: str, index: int, salt: str = "scene") -> random.Random:
    """The generator of one image's scene (or, with another ``salt``, its text)."""
    return random.Random(f"{salt}/{seed}/{split}/{index}")


def generate_scenes(
    num_images: int,
    seed: int = 0,
    split: str = "train",
    min_objects: int = 3,
    max_objects: int = 6,
    width: int = 128,
    height: int = 128,
) -> list[dict[str, Any]]:
    """``num_images`` scenes in CLEVR's scene format."""
    return [
        generate_scene(scene_rng(seed, split, i), i, split, min_objects, max_objects, width, height)
        for i in range(num_images)
    ]


def generate_questions(
    scenes: list[dict[str, Any]],
    questions_per_image: int,
    seed: int = 0,
    families: tuple[str, ...] | list[str] = FAMILIES,
) -> list[dict[str, Any]]:
    """Questions in CLEVR's question format, ``question_index`` numbered from 0."""
    questions: list[dict[str, Any]] = []
    for scene in scenes:
        rng = scene_rng(seed, scene["split"], scene["image_index"], "questions")
        for _ in range(questions_per_image):
            question = generate_question(scene, rng, families)
            if question is not None:
                questions.append({**question, "question_index": len(questions)})
    return questions


class SyntheticCLEVR(Dataset[dict[str, Any]]):
    """CLEVR-style questions about generated 2-D scenes, with functional programs.

    Args:
        split: any name; different names give different scenes.
        num_images: scenes to generate.
        questions_per_image: questions per scene.
        seed: the seed of everything.
        image_size: image side in pixels.
        min_objects: fewest objects per scene.
        max_objects: most objects per scene (≤ 8).
        families: question families to draw from (see
            :data:`polymodal.data.synthetic.questions.FAMILIES`).

    Samples have the fields of :class:`polymodal.data.datasets.clevr.CLEVR` (``image``,
    ``question``, ``answers``, ``program``, ``question_type``, ``scene`` ...).
    """

    def __init__(
        self,
        split: str = "train",
        num_images: int = 1000,
        questions_per_image: int = 10,
        seed: int = 0,
        image_size: int = 128,
        min_objects: int = 3,
        max_objects: int = 6,
        families: tuple[str, ...] | list[str] = FAMILIES,
    ) -> None:
        self.split = split
        self.image_size = image_size
        self.scenes = generate_scenes(
            num_images, seed, split, min_objects, max_objects, image_size, image_size
        )
        self.questions = generate_questions(self.scenes, questions_per_image, seed, families)

    def _fields(self, question: dict[str, Any]) -> dict[str, Any]:
        from polymodal.data.datasets.clevr import answer_type

        return {
            "id": question["question_index"],
            "question": question["question"],
            "answers": [question["answer"]],
            "program": question["program"],
            "question_family_index": question["question_family_index"],
            "question_type": question["program"][-1]["function"],
            "answer_type": answer_type(question["answer"]),
            "image_id": question["image_index"],
        }

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without rendering images."""
        if field == "scene":
            return [self.scenes[q["image_index"]] for q in self.questions]
        if field not in self._fields(self.questions[0]):
            raise KeyError(f"SyntheticCLEVR has no field {field!r} to list")
        return [self._fields(q)[field] for q in self.questions]

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> dict[str, Any]:
        question = self.questions[index]
        scene = self.scenes[question["image_index"]]
        size = self.image_size
        return {"image": render_tensor(scene, size, size), **self._fields(question), "scene": scene}


class SyntheticCaptions(Dataset[dict[str, Any]]):
    """Generated scenes with captions — template captions, or for retrieval one full
    description per image that no other image of the split shares.

    Args:
        split: any name; different names give different scenes.
        num_images: scenes to generate.
        captions_per_image: captions per image (``style="template"`` or ``"facts"``).
        style: ``template`` (varied captions about one or two objects), ``facts`` (each
            caption, with probability one half, a template caption or a fact stated in the
            questions' words: "the color of the large metal cube is red.", "there are two red
            things."; see :func:`~polymodal.data.synthetic.captions.fact_caption`) or
            ``retrieval`` (one caption per image naming every object left to right; unique in
            the split).
        descriptions: with ``template`` or ``facts``, how many of each image's
            ``captions_per_image`` captions are its full description (every object named, left
            to right, as ``retrieval`` has it) instead: a caption that grounds every word
            of every object, where the others speak of one or two.
        unit: one sample per ``caption`` or per ``image`` (as
            :class:`~polymodal.data.datasets.caption_set.CaptionDataset`).
        seed: the seed of everything.
        image_size: image side in pixels.
        min_objects: fewest objects per scene.
        max_objects: most objects per scene (≤ 8).

    Samples: ``id``, ``image``, ``caption`` (with ``unit="caption"``), ``captions``, ``image_id``.
    """

    def __init__(
        self,
        split: str = "train",
        num_images: int = 1000,
        captions_per_image: int = 5,
        style: str = "template",
        unit: str = "caption",
        seed: int = 0,
        image_size: int = 128,
        min_objects: int = 3,
        max_objects: int = 6,
        descriptions: int = 0,
    ) -> None:
        if style not in ("template", "facts", "retrieval"):
            raise ValueError(f"style must be 'template', 'facts' or 'retrieval', got {style!r}")
        if not 0 <= descriptions <= captions_per_image or (descriptions and style == "retrieval"):
            raise ValueError(
                f"descriptions must be between 0 and captions_per_image ({captions_per_image}) "
                f"with style 'template' or 'facts', got {descriptions} with style {style!r}"
            )
        if unit not in ("caption", "image"):
            raise ValueError(f"unit must be 'caption' or 'image', got {unit!r}")
        self.image_size = image_size
        self.unit = unit
        self.scenes: list[dict[str, Any]] = []
        self.captions: list[list[str]] = []
        seen: set[str] = set()
        attempt = 0
        while len(self.scenes) < num_images:
            index = len(self.scenes)
            # Redraw (with a new sub-seed) a scene whose description another image already has.
            rng = scene_rng(seed, split, index, f"scene{attempt}" if attempt else "scene")
            scene = generate_scene(
                rng, index, split, min_objects, max_objects, image_size, image_size
            )
            if style == "retrieval":
                caption = full_description(scene)
                if caption in seen:
                    attempt += 1
                    continue
                seen.add(caption)
                captions = [caption]
            else:
                text_rng = scene_rng(seed, split, index, "captions")
                captions = [full_description(scene)] * descriptions + [
                    fact_caption(scene, text_rng)
                    if style == "facts" and text_rng.random() < 0.5
                    else template_caption(scene, text_rng)
                    for _ in range(captions_per_image - descriptions)
                ]
            attempt = 0
            self.scenes.append(scene)
            self.captions.append(captions)
        self._index = [
            (row, k)
            for row, captions in enumerate(self.captions)
            for k in (range(len(captions)) if unit == "caption" else [-1])
        ]

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without rendering images."""
        return [self._fields(row, k)[field] for row, k in self._index]

    def _fields(self, row: int, k: int) -> dict[str, Any]:
        captions = self.captions[row]
        if k < 0:
            return {"id": row, "captions": list(captions), "image_id": row}
        per_image = len(captions)
        return {
            "id": row * per_image + k,
            "caption": captions[k],
            "captions": list(captions),
            "image_id": row,
        }

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row, k = self._index[index]
        fields = self._fields(row, k)
        size = self.image_size
        return {
            "id": fields.pop("id"),
            "image": render_tensor(self.scenes[row], size, size),
            **fields,
        }


def write_clevr(
    root: str | Path,
    split: str = "train",
    num_images: int = 100,
    questions_per_image: int = 10,
    seed: int = 0,
    width: int = 480,
    height: int = 320,
    min_objects: int = 3,
    max_objects: int = 6,
) -> dict[str, Path]:
    """Writes a synthetic split in CLEVR's official layout, readable by
    :class:`polymodal.data.datasets.clevr.CLEVR` (default image size: CLEVR's 480×320)::

        ROOT/images/<split>/CLEVR_<split>_000000.png
        ROOT/questions/CLEVR_<split>_questions.json
        ROOT/scenes/CLEVR_<split>_scenes.json

    Returns:
        ``images``, ``questions`` and ``scenes``: the folder and the two files written.
    """
    root = Path(root)
    scenes = generate_scenes(num_images, seed, split, min_objects, max_objects, width, height)
    questions = generate_questions(scenes, questions_per_image, seed)
    images = root / "images" / split
    images.mkdir(parents=True, exist_ok=True)
    for scene in scenes:
        render_scene(scene, width, height).save(images / scene["image_filename"])
    paths = {
        "images": images,
        "questions": root / "questions" / f"CLEVR_{split}_questions.json",
        "scenes": root / "scenes" / f"CLEVR_{split}_scenes.json",
    }
    for key, payload in (("questions", questions), ("scenes", scenes)):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        paths[key].write_text(json.dumps({"info": {**_INFO, "split": split}, key: payload}))
    return paths
