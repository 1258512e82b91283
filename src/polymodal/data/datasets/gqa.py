"""GQA (Hudson & Manning 2019): balanced questions, images, and scene graphs when present.

Layout (as ``questions1.2.zip``, ``images.zip`` and ``sceneGraphs.zip`` extract; the JSON files
may also sit in ``ROOT/questions/`` and ``ROOT/sceneGraphs/``)::

    ROOT/<split>_balanced_questions.json   {"<question id>": {imageId, question, answer,
                                            fullAnswer, isBalanced, groups, entailed,
                                            equivalent, types: {structural, semantic,
                                            detailed}, annotations, semantic: [{operation,
                                            dependencies, argument}], semanticStr}, ...}
    ROOT/<split>_sceneGraphs.json          optional (train, val): {"<image id>": {width,
                                            height, objects: {"<object id>": {name, x, y, w,
                                            h, attributes, relations: [{name, object}]}}}}
    ROOT/images/<imageId>.jpg

Splits: ``train``, ``val``, ``testdev``, ``test``, ``challenge``, ``submission`` (the last
three have no answers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from torch.utils.data import Dataset

from polymodal.data.datasets._files import (
    expect,
    field,
    find_file,
    optional_field,
    read_json,
    split_alias,
)
from polymodal.data.datasets._images import BrokenImages, read_image
from polymodal.errors import DataError

SPLITS = ("train", "val", "testdev", "test", "challenge", "submission")
_ALIASES = {"test-dev": "testdev"}


class _Question(NamedTuple):
    question_id: str
    image_id: str
    question: str
    answer: str | None
    full_answer: str
    types: dict[str, str]
    semantic: list[dict[str, Any]]


def read_questions(path: Path) -> list[_Question]:
    """Parses a ``<split>_balanced_questions.json`` file (an object keyed by question id)."""
    data = expect(read_json(path, "GQA questions file"), dict, path, "the top level")
    questions = []
    for question_id, entry in data.items():
        where = f"[{question_id!r}]"
        types = optional_field(entry, "types", dict, path, where, {})
        semantic = optional_field(entry, "semantic", list, path, where, [])
        for k, step in enumerate(semantic):
            field(step, "operation", str, path, f"{where}.semantic[{k}]")
        questions.append(
            _Question(
                question_id=str(question_id),
                image_id=str(field(entry, "imageId", (str, int), path, where)),
                question=field(entry, "question", str, path, where),
                answer=optional_field(entry, "answer", str, path, where),
                full_answer=optional_field(entry, "fullAnswer", str, path, where, ""),
                types={k: str(v) for k, v in types.items() if v is not None},
                semantic=semantic,
            )
        )
    return questions


def read_scene_graphs(path: Path) -> dict[str, dict[str, Any]]:
    """Parses a ``<split>_sceneGraphs.json`` file: image id → scene graph."""
    data = expect(read_json(path, "GQA scene graphs file"), dict, path, "the top level")
    for image_id, graph in data.items():
        where = f"[{image_id!r}]"
        objects = field(graph, "objects", dict, path, where)
        for object_id, obj in objects.items():
            here = f"{where}.objects[{object_id!r}]"
            field(obj, "name", str, path, here)
            for k, relation in enumerate(optional_field(obj, "relations", list, path, here, [])):
                field(relation, "name", str, path, f"{here}.relations[{k}]")
                field(relation, "object", str, path, f"{here}.relations[{k}]")
    return {str(k): v for k, v in data.items()}


class GQA(Dataset[dict[str, Any]]):
    """GQA balanced questions with their images (and scene graphs).

    Args:
        split: ``train``, ``val``, ``testdev``, ``test``, ``challenge`` or ``submission``.
        root: the GQA folder.
        scene_graphs: attach ``scene_graph``: ``None`` when the file exists, ``True`` to
            require it, ``False`` never.
        limit: keep only the first ``limit`` questions.
        skip_broken_images: drop/skip questions whose image is missing/unreadable, counted.

    Each sample: ``id`` (question id, str), ``image`` ((3, H, W) uint8), ``question``,
    ``answers`` (one answer; empty without answers), ``full_answer``, ``question_type``
    (``types.detailed``), ``answer_type`` (``types.structural``: verify, query, choose,
    logical, compare), ``semantic_type`` (``types.semantic``), ``program`` (the ``semantic``
    steps), ``image_id`` (str), and ``scene_graph``.
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/gqa",
        scene_graphs: bool | None = None,
        limit: int | None = None,
        skip_broken_images: bool = False,
    ) -> None:
        self.split = split_alias(split, _ALIASES, SPLITS, "GQA")
        self.root = Path(root)
        name = f"{self.split}_balanced_questions.json"
        self.questions_file = find_file(
            self.root, [name, f"questions/{name}"], f"GQA {self.split} questions file"
        )
        self.questions = read_questions(self.questions_file)
        if limit is not None:
            self.questions = self.questions[:limit]
        graphs = f"{self.split}_sceneGraphs.json"
        self.scene_graphs: dict[str, dict[str, Any]] | None = None
        candidates = [self.root / graphs, self.root / "sceneGraphs" / graphs]
        present = [c for c in candidates if c.is_file()]
        if scene_graphs or (scene_graphs is None and present):
            if not present:
                raise DataError(
                    f"GQA scene graphs file not found; looked for {', '.join(map(str, candidates))}"
                )
            self.scene_graphs = read_scene_graphs(present[0])
            lacking = [q.image_id for q in self.questions if q.image_id not in self.scene_graphs]
            if lacking:
                raise DataError(f"{present[0]}: no scene graph for image {lacking[0]}")
        self.image_dir = self.root / "images"
        self._broken = BrokenImages(skip_broken_images, f"GQA {self.split}")
        missing = self._broken.drop_missing(
            {self.image_path(q.image_id) for q in self.questions}, self.image_dir
        )
        if missing:
            kept = [q for q in self.questions if self.image_path(q.image_id) not in missing]
            self._broken.missing = len(self.questions) - len(kept)
            self.questions = kept
        self._broken.resize(len(self.questions))

    def image_path(self, image_id: str) -> Path:
        return self.image_dir / f"{image_id}.jpg"

    def image_files(self) -> list[Path]:
        return sorted({self.image_path(q.image_id) for q in self.questions})

    def _fields(self, q: _Question) -> dict[str, Any]:
        return {
            "id": q.question_id,
            "question": q.question,
            "answers": [] if q.answer is None else [q.answer],
            "full_answer": q.full_answer,
            "question_type": q.types.get("detailed", ""),
            "answer_type": q.types.get("structural", ""),
            "semantic_type": q.types.get("semantic", ""),
            "program": q.semantic,
            "image_id": q.image_id,
        }

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without reading images."""
        if field == "scene_graph" and self.scene_graphs is not None:
            return [self.scene_graphs[q.image_id] for q in self.questions]
        if not self.questions or field not in self._fields(self.questions[0]):
            raise KeyError(f"GQA has no field {field!r} to list")
        return [self._fields(q)[field] for q in self.questions]

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
        sample = {"image": read_image(self.image_path(q.image_id)), **self._fields(q)}
        if self.scene_graphs is not None:
            sample["scene_graph"] = self.scene_graphs[q.image_id]
        return sample
