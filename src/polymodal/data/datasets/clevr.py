"""CLEVR (Johnson et al. 2017) from the official ``CLEVR_v1.0`` folder.

Layout (also CLEVR-CoGenT, whose splits are ``trainA``, ``valA``, ``valB``, ``testA``,
``testB``)::

    ROOT/questions/CLEVR_<split>_questions.json  {"info", "questions": [{image_index,
                                                  image_filename, question, answer,
                                                  question_index, question_family_index,
                                                  program: [{function, inputs, value_inputs}]}]}
    ROOT/scenes/CLEVR_<split>_scenes.json        optional: {"scenes": [{image_index,
                                                  image_filename, objects: [{shape, color,
                                                  size, material, 3d_coords, pixel_coords,
                                                  rotation}], relationships: {left, right,
                                                  front, behind}}]}
    ROOT/images/<split>/CLEVR_<split>_000000.png

Test questions have no ``answer`` and no ``program``. The generators in
:mod:`polymodal.data.synthetic` write this same layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from torch.utils.data import Dataset

from polymodal.data.datasets._files import expect, field, optional_field, read_json
from polymodal.data.datasets._images import BrokenImages, read_image
from polymodal.errors import DataError

RELATIONS = ("left", "right", "front", "behind")
OBJECT_FIELDS = ("shape", "color", "size", "material")
_ANSWER_TYPES = {
    **dict.fromkeys(("yes", "no"), "yes/no"),
    **dict.fromkeys(("gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"), "color"),
    **dict.fromkeys(("cube", "sphere", "cylinder"), "shape"),
    **dict.fromkeys(("rubber", "metal"), "material"),
    **dict.fromkeys(("large", "small"), "size"),
}


def answer_type(answer: str) -> str:
    """``yes/no``, ``number``, ``color``, ``shape``, ``material``, ``size`` (or ``other``)."""
    if answer.isdigit():
        return "number"
    return _ANSWER_TYPES.get(answer, "other" if answer else "")


class _Question(NamedTuple):
    question_index: int
    image_index: int
    image_filename: str
    question: str
    answer: str | None
    program: list[dict[str, Any]]
    family: int


def _read_program(steps: list[Any], path: Path, where: str) -> list[dict[str, Any]]:
    program = []
    for k, step in enumerate(steps):
        here = f"{where}.program[{k}]"
        expect(step, dict, path, here)
        # Early CLEVR releases name the function "type"; v1.0 calls it "function".
        key = "function" if "function" in step else "type"
        program.append(
            {
                "function": field(step, key, str, path, here),
                "inputs": list(field(step, "inputs", list, path, here)),
                "value_inputs": list(optional_field(step, "value_inputs", list, path, here, [])),
            }
        )
    return program


def read_questions(path: Path, split: str) -> list[_Question]:
    """Parses a ``CLEVR_<split>_questions.json`` file."""
    data = read_json(path, f"CLEVR {split} questions file")
    entries = field(data, "questions", list, path, "the top level")
    questions = []
    for index, entry in enumerate(entries):
        where = f"questions[{index}]"
        image_index = field(entry, "image_index", int, path, where)
        default_name = f"CLEVR_{split}_{image_index:06d}.png"
        steps = optional_field(entry, "program", list, path, where, [])
        questions.append(
            _Question(
                question_index=optional_field(entry, "question_index", int, path, where, index),
                image_index=image_index,
                image_filename=optional_field(
                    entry, "image_filename", str, path, where, default_name
                ),
                question=field(entry, "question", str, path, where),
                answer=optional_field(entry, "answer", (str, int, bool), path, where),
                program=_read_program(steps, path, where),
                family=optional_field(entry, "question_family_index", int, path, where, -1),
            )
        )
    return questions


def read_scenes(path: Path) -> dict[int, dict[str, Any]]:
    """Parses a ``CLEVR_<split>_scenes.json`` file: image_index → scene."""
    data = read_json(path, "CLEVR scenes file")
    scenes = field(data, "scenes", list, path, "the top level")
    by_image = {}
    for index, scene in enumerate(scenes):
        where = f"scenes[{index}]"
        objects = field(scene, "objects", list, path, where)
        for k, obj in enumerate(objects):
            for name in OBJECT_FIELDS:
                field(obj, name, str, path, f"{where}.objects[{k}]")
        relationships = field(scene, "relationships", dict, path, where)
        for relation in RELATIONS:
            related = field(relationships, relation, list, path, f"{where}.relationships")
            if len(related) != len(objects):
                raise DataError(
                    f"{path}: {where}.relationships.{relation} has {len(related)} entries for "
                    f"{len(objects)} objects; expected one list per object"
                )
        by_image[field(scene, "image_index", int, path, where)] = scene
    return by_image


def _answer_text(answer: str | int | bool | None) -> str | None:
    # Some CLEVR-format generators write counts as integers and yes/no as booleans.
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return None if answer is None else str(answer)


class CLEVR(Dataset[dict[str, Any]]):
    """CLEVR questions with their images, functional programs and (optionally) scenes.

    Args:
        split: ``train``, ``val``, ``test`` (or a CoGenT split such as ``trainA``).
        root: the ``CLEVR_v1.0`` folder.
        scenes: attach each image's scene as ``scene``: ``None`` when the scenes file exists,
            ``True`` to require it, ``False`` never.
        limit: keep only the first ``limit`` questions.
        skip_broken_images: drop/skip questions whose image is missing/unreadable and count
            them (:attr:`skipped`, :meth:`skip_report`) instead of raising.

    Each sample: ``id`` (question_index), ``image`` ((3, H, W) uint8), ``question``,
    ``answers`` (one answer; empty for test), ``program`` (list of ``{function, inputs,
    value_inputs}``), ``question_family_index``, ``question_type`` (the program's last
    function, e.g. ``count``), ``answer_type``, ``image_id`` (image_index), and ``scene``.
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/CLEVR_v1.0",
        scenes: bool | None = None,
        limit: int | None = None,
        skip_broken_images: bool = False,
    ) -> None:
        self.split = split
        self.root = Path(root)
        self.questions_file = self.root / "questions" / f"CLEVR_{split}_questions.json"
        self.questions = read_questions(self.questions_file, split)
        if limit is not None:
            self.questions = self.questions[:limit]
        self.scenes_file = self.root / "scenes" / f"CLEVR_{split}_scenes.json"
        self.scenes: dict[int, dict[str, Any]] | None = None
        if scenes or (scenes is None and self.scenes_file.is_file()):
            self.scenes = read_scenes(self.scenes_file)
            lacking = [q.image_index for q in self.questions if q.image_index not in self.scenes]
            if lacking:
                raise DataError(
                    f"{self.scenes_file}: no scene for image_index {lacking[0]} "
                    f"({len(set(lacking))} image(s) without a scene)"
                )
        self.image_dir = self.root / "images" / split
        self._broken = BrokenImages(skip_broken_images, f"CLEVR {split}")
        missing = self._broken.drop_missing(
            {self.image_dir / q.image_filename for q in self.questions}, self.image_dir
        )
        if missing:
            kept = [q for q in self.questions if self.image_dir / q.image_filename not in missing]
            self._broken.missing = len(self.questions) - len(kept)
            self.questions = kept
        self._broken.resize(len(self.questions))

    def image_files(self) -> list[Path]:
        return sorted({self.image_dir / q.image_filename for q in self.questions})

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without reading images."""
        if field == "scene" and self.scenes is not None:
            return [self._scene(q) for q in self.questions]
        if not self.questions or field not in self._fields(self.questions[0]):
            raise KeyError(f"CLEVR has no field {field!r} to list")
        return [self._fields(q)[field] for q in self.questions]

    def _scene(self, q: _Question) -> dict[str, Any]:
        assert self.scenes is not None
        return self.scenes[q.image_index]

    def _fields(self, q: _Question) -> dict[str, Any]:
        answer = _answer_text(q.answer)
        return {
            "id": q.question_index,
            "question": q.question,
            "answers": [] if answer is None else [answer],
            "program": q.program,
            "question_family_index": q.family,
            "question_type": q.program[-1]["function"] if q.program else "",
            "answer_type": answer_type(answer or ""),
            "image_id": q.image_index,
        }

    @property
    def skipped(self) -> int:
        return self._broken.skipped

    def skip_report(self) -> str | None:
        return self._broken.report()

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._broken.fetch(index, len(self), self._read)

    def _read(self, index: int) -> dict[str, Any]:
        q = self.questions[index]
        sample = {"image": read_image(self.image_dir / q.image_filename), **self._fields(q)}
        if self.scenes is not None:
            sample["scene"] = self._scene(q)
        return sample
