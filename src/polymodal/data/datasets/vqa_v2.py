"""VQA v2 (Goyal et al. 2017) from the official question and annotation files.

Files, as the official zips extract them (each may also sit in ``ROOT/questions/`` or
``ROOT/annotations/``)::

    ROOT/v2_OpenEnded_mscoco_train2014_questions.json   {"questions": [{image_id, question,
                                                          question_id}], "data_subtype", ...}
    ROOT/v2_mscoco_train2014_annotations.json           {"annotations": [{question_id,
                                                          image_id, question_type, answer_type,
                                                          multiple_choice_answer, answers:
                                                          [{answer, answer_confidence,
                                                          answer_id}] × 10}], ...}
    ROOT/train2014/COCO_train2014_000000000009.jpg      COCO images (or ROOT/images/train2014/)

``val`` uses ``val2014`` files; ``test`` and ``test-dev`` have questions only (their images are
in ``test2015/``). Instead of images, a feature file can be given (``features=``): a
``.safetensors`` or ``.npz`` file with one float array per image, named by the image id in
decimal (``"9"``, ``"42"``), of shape (K, D) (K regions) or (D,); samples then carry
``image_features`` instead of ``image``.

Answers: ``answers`` holds the ten human answers as annotated. The official evaluation's
normalisation (:mod:`polymodal.metrics.vqa_normalize`: punctuation, number words → digits,
articles, contractions) is applied to them with ``normalize_answers=True`` — then the answer
vocabulary and the soft targets min(1, count/3) that :class:`polymodal.tasks.VQATask` builds
are over normalised answers, as is usual for training. :func:`soft_scores` and
:meth:`VQAv2.answer_vocabulary` give both directly.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset

from polymodal.data.datasets._files import field, find_file, read_json, split_alias
from polymodal.data.datasets._images import BrokenImages, read_image
from polymodal.errors import DataError
from polymodal.metrics.vqa_normalize import normalize_prediction

#: Split name → the official data subtype in the file names.
SUBTYPES = {"train": "train2014", "val": "val2014", "test": "test2015", "test-dev": "test-dev2015"}
_ALIASES = {subtype: split for split, subtype in SUBTYPES.items()}
_LOOK_IN = ("", "questions/", "annotations/")


def questions_file_name(subtype: str) -> str:
    return f"v2_OpenEnded_mscoco_{subtype}_questions.json"


def annotations_file_name(subtype: str) -> str:
    return f"v2_mscoco_{subtype}_annotations.json"


def image_folder_name(subtype: str) -> str:
    """test-dev is a subset of test2015: its images are test2015's."""
    return "test2015" if subtype.startswith("test") else subtype


def coco_image_name(subtype: str, image_id: int) -> str:
    """``COCO_train2014_000000000009.jpg``."""
    return f"COCO_{image_folder_name(subtype)}_{image_id:012d}.jpg"


def normalize_answer(answer: str) -> str:
    """An answer as the official evaluation normalises predictions."""
    return normalize_prediction(answer)


def soft_scores(answers: Sequence[str], normalize: bool = True) -> dict[str, float]:
    """The standard VQA training target: answer → min(1, count / 3) over the human answers.

    Args:
        answers: the (usually ten) human answers.
        normalize: normalise each answer first (:func:`normalize_answer`).
    """
    counts = Counter(normalize_answer(a) if normalize else a for a in answers)
    return {answer: min(1.0, count / 3) for answer, count in counts.items()}


class _Question(NamedTuple):
    question_id: int
    image_id: int
    question: str
    answers: list[str]
    multiple_choice_answer: str
    question_type: str
    answer_type: str


def _read_questions(path: Path) -> tuple[list[tuple[int, int, str]], str | None]:
    data = read_json(path, "VQA v2 questions file")
    questions = field(data, "questions", list, path, "the top level")
    subtype = data.get("data_subtype")
    entries = []
    for index, entry in enumerate(questions):
        where = f"questions[{index}]"
        entries.append(
            (
                field(entry, "question_id", int, path, where),
                field(entry, "image_id", int, path, where),
                field(entry, "question", str, path, where),
            )
        )
    return entries, subtype if isinstance(subtype, str) else None


def _read_annotations(path: Path) -> dict[int, tuple[int, list[str], str, str, str]]:
    data = read_json(path, "VQA v2 annotations file")
    annotations = field(data, "annotations", list, path, "the top level")
    by_question = {}
    for index, entry in enumerate(annotations):
        where = f"annotations[{index}]"
        answers = field(entry, "answers", list, path, where)
        texts = [
            field(answer, "answer", str, path, f"{where}.answers[{k}]")
            for k, answer in enumerate(answers)
        ]
        by_question[field(entry, "question_id", int, path, where)] = (
            field(entry, "image_id", int, path, where),
            texts,
            field(entry, "multiple_choice_answer", str, path, where),
            field(entry, "question_type", str, path, where),
            field(entry, "answer_type", str, path, where),
        )
    return by_question


class _FeatureFile:
    """Per-image feature arrays in a .safetensors or .npz file, opened lazily per process."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise DataError(f"VQA v2 feature file not found: {path}")
        if path.suffix not in (".safetensors", ".npz"):
            raise DataError(f"{path}: feature files must be .safetensors or .npz")
        self.path = path
        self._handle: Any = None
        self._pid = 0

    def keys(self) -> set[str]:
        return set(self._open().keys())

    def _open(self) -> Any:
        # A handle opened before DataLoader workers fork would share one file offset between
        # processes (npz reads seek), so each process opens its own.
        if self._handle is None or self._pid != os.getpid():
            self._pid = os.getpid()
            try:
                if self.path.suffix == ".npz":
                    self._handle = np.load(self.path, allow_pickle=False)
                else:
                    from safetensors import safe_open

                    self._handle = safe_open(str(self.path), framework="pt")
            except Exception as error:  # both libraries raise their own error types
                raise DataError(f"{self.path}: cannot read feature file ({error})") from None
        return self._handle

    def get(self, image_id: int) -> torch.Tensor:
        handle = self._open()
        key = str(image_id)
        if self.path.suffix == ".npz":
            return torch.from_numpy(np.asarray(handle[key], dtype=np.float32))
        return handle.get_tensor(key).float()

    def __getstate__(self) -> dict[str, Any]:
        # Open file handles do not cross into DataLoader workers; each reopens its own.
        return {"path": self.path, "_handle": None, "_pid": 0}


class VQAv2(Dataset[dict[str, Any]]):
    """VQA v2 questions with their COCO images (or precomputed image features).

    Args:
        split: ``train``, ``val``, ``test`` or ``test-dev`` (or the subtypes ``train2014`` ...).
        root: the folder holding the question/annotation files (and, by default, images).
        image_dir: the image folder; default ``ROOT/<subtype>`` or ``ROOT/images/<subtype>``.
        features: a feature file to use instead of images (see the module docstring).
        normalize_answers: apply the official evaluation's normalisation to ``answers`` and
            ``multiple_choice_answer``.
        limit: keep only the first ``limit`` questions.
        skip_broken_images: drop questions whose image file is missing and skip those whose
            image cannot be decoded, counting both (:attr:`skipped`, :meth:`skip_report`)
            instead of stopping with an error.

    Each sample: ``id`` (question_id), ``image`` ((3, H, W) uint8) or ``image_features``
    ((K, D) float), ``question``, ``answers`` (list of str; empty for test),
    ``multiple_choice_answer``, ``question_type``, ``answer_type`` (``""`` for test),
    ``image_id``.
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/vqa_v2",
        image_dir: str | Path | None = None,
        features: str | Path | None = None,
        normalize_answers: bool = False,
        limit: int | None = None,
        skip_broken_images: bool = False,
    ) -> None:
        split = split_alias(split, _ALIASES, list(SUBTYPES), "VQAv2")
        self.split = split
        self.root = Path(root)
        subtype = SUBTYPES[split]
        self.questions_file = find_file(
            self.root,
            [f"{d}{questions_file_name(subtype)}" for d in _LOOK_IN],
            f"VQA v2 {split} questions file",
        )
        entries, file_subtype = _read_questions(self.questions_file)
        self.subtype = file_subtype or subtype
        self.annotations_file: Path | None = None
        annotations: dict[int, tuple[int, list[str], str, str, str]] = {}
        if not split.startswith("test"):
            self.annotations_file = find_file(
                self.root,
                [f"{d}{annotations_file_name(subtype)}" for d in _LOOK_IN],
                f"VQA v2 {split} annotations file",
            )
            annotations = _read_annotations(self.annotations_file)
        if limit is not None:
            entries = entries[:limit]
        self.questions = [self._join(e, annotations, normalize_answers) for e in entries]

        self._broken = BrokenImages(skip_broken_images, f"VQAv2 {split}")
        self.features = _FeatureFile(Path(features)) if features is not None else None
        if self.features is not None:
            self.image_dir = None
            self._check_features(self.features)
        else:
            self.image_dir = self._find_image_dir(image_dir)
            missing = self._broken.drop_missing(
                (self.image_path(i) for i in self.image_ids), self.image_dir
            )
            if missing:
                kept = [q for q in self.questions if self.image_path(q.image_id) not in missing]
                self._broken.missing = len(self.questions) - len(kept)
                self.questions = kept
        self._broken.resize(len(self.questions))

    def _join(
        self,
        entry: tuple[int, int, str],
        annotations: dict[int, tuple[int, list[str], str, str, str]],
        normalize: bool,
    ) -> _Question:
        question_id, image_id, question = entry
        if not annotations:
            return _Question(question_id, image_id, question, [], "", "", "")
        if question_id not in annotations:
            raise DataError(
                f"{self.annotations_file}: no annotation for question_id {question_id} "
                f"(from {self.questions_file})"
            )
        annotated_image, answers, mc_answer, q_type, a_type = annotations[question_id]
        if annotated_image != image_id:
            raise DataError(
                f"{self.annotations_file}: question_id {question_id} has image_id "
                f"{annotated_image}, but {self.questions_file.name} says {image_id}"
            )
        if normalize:
            answers = [normalize_answer(a) for a in answers]
            mc_answer = normalize_answer(mc_answer)
        return _Question(question_id, image_id, question, answers, mc_answer, q_type, a_type)

    def _find_image_dir(self, image_dir: str | Path | None) -> Path:
        if image_dir is not None:
            folder = Path(image_dir)
            if not folder.is_dir():
                raise DataError(f"VQA v2 image folder not found: {folder}")
            return folder
        name = image_folder_name(self.subtype)
        for candidate in (self.root / name, self.root / "images" / name):
            if candidate.is_dir():
                return candidate
        raise DataError(
            f"VQA v2 {self.split}: image folder not found; looked for {self.root / name} and "
            f"{self.root / 'images' / name} (or pass image_dir= or features=)"
        )

    def _check_features(self, features: _FeatureFile) -> None:
        keys = features.keys()
        missing = [i for i in self.image_ids if str(i) not in keys]
        if missing:
            raise DataError(
                f"{features.path}: {len(missing)} image id(s) have no features, "
                f"e.g. {missing[0]} (arrays must be named by the image id in decimal)"
            )

    @property
    def image_ids(self) -> list[int]:
        return sorted({q.image_id for q in self.questions})

    def image_path(self, image_id: int) -> Path:
        if self.image_dir is None:
            raise DataError("this VQAv2 dataset reads features, not images")
        return self.image_dir / coco_image_name(self.subtype, image_id)

    def image_files(self) -> list[Path]:
        """Every image file the split uses (empty with a feature file)."""
        return [] if self.image_dir is None else [self.image_path(i) for i in self.image_ids]

    def answer_vocabulary(self, top_k: int | None = None, source: str = "all") -> list[str]:
        """The ``top_k`` most frequent normalised answers (ties alphabetically).

        Args:
            top_k: how many to keep (``None``: all).
            source: ``"all"`` counts every human answer; ``"multiple_choice"`` counts each
                question's ``multiple_choice_answer`` once.
        """
        if source not in ("all", "multiple_choice"):
            raise ValueError(f"source must be 'all' or 'multiple_choice', got {source!r}")
        if source == "all":
            counts = Counter(normalize_answer(a) for q in self.questions for a in q.answers)
        else:
            counts = Counter(normalize_answer(q.multiple_choice_answer) for q in self.questions)
        counts.pop("", None)
        ranked = sorted(counts, key=lambda answer: (-counts[answer], answer))
        return ranked[:top_k] if top_k is not None else ranked

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without reading images."""
        names = {"id": "question_id", **{f: f for f in _Question._fields}}
        if field not in names:
            raise KeyError(f"VQAv2 has no field {field!r} to list")
        return [getattr(q, names[field]) for q in self.questions]

    @property
    def skipped(self) -> int:
        """Samples dropped or skipped for missing or unreadable images (all workers)."""
        return self._broken.skipped

    def skip_report(self) -> str | None:
        return self._broken.report()

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._broken.fetch(index, len(self), self._read)

    def _read(self, index: int) -> dict[str, Any]:
        q = self.questions[index]
        sample: dict[str, Any] = {"id": q.question_id}
        if self.features is not None:
            sample["image_features"] = self.features.get(q.image_id)
        else:
            sample["image"] = read_image(self.image_path(q.image_id))
        sample.update(
            question=q.question,
            answers=list(q.answers),
            multiple_choice_answer=q.multiple_choice_answer,
            question_type=q.question_type,
            answer_type=q.answer_type,
            image_id=q.image_id,
        )
        return sample


__all__ = ["SUBTYPES", "VQAv2", "coco_image_name", "normalize_answer", "soft_scores"]
