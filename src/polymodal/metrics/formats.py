"""Reading the result and annotation files that ``polymodal score`` takes.

COCO captions (result and annotation files), the official VQA files (results, questions,
annotations), sentiment and retrieval results. Every problem raises
:class:`~polymodal.errors.DataError` naming the file, the field and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from polymodal.errors import DataError


def read_json(path: str | Path) -> Any:
    """Parsed JSON of ``path``, or a DataError naming the file."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: file not found")
    try:
        with file.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise DataError(
            f"{file}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from error
    except UnicodeDecodeError as error:
        raise DataError(f"{file}: not UTF-8 text ({error.reason})") from error


def _list_of_objects(
    data: Any, path: str | Path, what: str, key: str | None = None
) -> list[dict[str, Any]]:
    where = f"{path}" if key is None else f"{path}: field {key!r}"
    if key is not None:
        if not isinstance(data, dict) or key not in data:
            raise DataError(f"{path}: expected a JSON object with a {key!r} list ({what})")
        data = data[key]
    if not isinstance(data, list):
        raise DataError(f"{where}: expected a list of objects ({what}), got {type(data).__name__}")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise DataError(f"{where}[{index}]: expected an object, got {type(item).__name__}")
    return data


def _field(
    item: dict[str, Any], name: str, kind: type | tuple[type, ...], path: str | Path, where: str
) -> Any:
    if name not in item:
        raise DataError(f"{path}: {where} has no {name!r} field")
    value = item[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise DataError(f"{path}: {where} field {name!r} must be {expected}, got {value!r}")
    return value


_ID = (int, str)


@dataclass
class CaptionFiles:
    """Captions to score, in the order ``pycocoevalcap`` scores them.

    Attributes:
        hypotheses: image id → generated caption, for the images that have a result.
        references: image id → reference captions, same ids and order.
        unscored: annotated images without a result (not scored, like the reference does).
    """

    hypotheses: dict[Hashable, str]
    references: dict[Hashable, list[str]]
    unscored: int


def read_caption_files(results_path: str | Path, annotations_path: str | Path) -> CaptionFiles:
    """Reads a COCO caption result file and a COCO caption annotation file."""
    results = _list_of_objects(
        read_json(results_path),
        results_path,
        'the COCO result format: [{"image_id": ..., "caption": "..."}]',
    )
    annotations_data = read_json(annotations_path)
    annotations = _list_of_objects(
        annotations_data,
        annotations_path,
        '{"image_id": ..., "caption": "..."} entries',
        key="annotations",
    )
    references: dict[Hashable, list[str]] = {}
    for index, item in enumerate(annotations):
        where = f"annotations[{index}]"
        image = _field(item, "image_id", _ID, annotations_path, where)
        references.setdefault(image, []).append(
            _field(item, "caption", str, annotations_path, where)
        )
    order: list[Hashable] = list(references)
    images = annotations_data.get("images")
    if isinstance(images, list):
        # pycocotools orders images as the annotation file's "images" list does.
        listed = [image["id"] for image in images if isinstance(image, dict) and "id" in image]
        order = [key for key in listed if key in references] + [
            key for key in order if key not in set(listed)
        ]
    hypotheses: dict[Hashable, str] = {}
    for index, item in enumerate(results):
        where = f"result [{index}]"
        image = _field(item, "image_id", _ID, results_path, where)
        caption = _field(item, "caption", str, results_path, where)
        if image in hypotheses:
            raise DataError(
                f"{results_path}: {where} repeats image_id {image!r}; give one caption per image"
            )
        if image not in references:
            raise DataError(
                f"{results_path}: {where} has image_id {image!r}, which has no caption in "
                f"{annotations_path}"
            )
        hypotheses[image] = caption
    if not hypotheses:
        raise DataError(f"{results_path}: no results")
    scored = [key for key in order if key in hypotheses]
    return CaptionFiles(
        hypotheses={key: hypotheses[key] for key in scored},
        references={key: references[key] for key in scored},
        unscored=len(order) - len(scored),
    )


@dataclass
class VQAFiles:
    """One prediction and the human answers per question, with the official types."""

    question_ids: list[Hashable]
    predictions: list[str]
    answers: list[list[str]]
    answer_records: list[list[str]]
    answer_types: list[str]
    question_types: list[str]


def read_vqa_files(
    results_path: str | Path, questions_path: str | Path, annotations_path: str | Path
) -> VQAFiles:
    """Reads the official VQA result, question and annotation files."""
    results = _list_of_objects(
        read_json(results_path),
        results_path,
        'the VQA result format: [{"question_id": ..., "answer": "..."}]',
    )
    questions = _list_of_objects(
        read_json(questions_path),
        questions_path,
        '{"question_id": ..., "question": "..."}',
        key="questions",
    )
    annotations = _list_of_objects(
        read_json(annotations_path),
        annotations_path,
        '{"question_id": ..., "answers": [...], "answer_type": ..., "question_type": ...}',
        key="annotations",
    )
    known_questions = {
        _field(item, "question_id", _ID, questions_path, f"questions[{index}]")
        for index, item in enumerate(questions)
    }
    predictions: dict[Hashable, str] = {}
    for index, item in enumerate(results):
        where = f"result [{index}]"
        question = _field(item, "question_id", _ID, results_path, where)
        if question in predictions:
            raise DataError(f"{results_path}: {where} repeats question_id {question!r}")
        predictions[question] = _field(item, "answer", str, results_path, where)
    files = VQAFiles([], [], [], [], [], [])
    for index, item in enumerate(annotations):
        where = f"annotations[{index}]"
        question = _field(item, "question_id", _ID, annotations_path, where)
        if question not in known_questions:
            raise DataError(
                f"{annotations_path}: {where} has question_id {question!r}, which "
                f"{questions_path} lacks"
            )
        answers = _field(item, "answers", list, annotations_path, where)
        if not answers:
            raise DataError(f"{annotations_path}: {where} has an empty 'answers' list")
        texts, records = [], []
        for number, answer in enumerate(answers):
            if not isinstance(answer, dict):
                raise DataError(f"{annotations_path}: {where} answers[{number}] must be an object")
            texts.append(
                _field(answer, "answer", str, annotations_path, f"{where} answers[{number}]")
            )
            # The official code leaves out answer records equal as whole objects.
            records.append(
                json.dumps({k: v for k, v in answer.items() if k != "answer"}, sort_keys=True)
            )
        files.question_ids.append(question)
        files.answers.append(texts)
        files.answer_records.append(records)
        files.answer_types.append(str(_field(item, "answer_type", str, annotations_path, where)))
        files.question_types.append(
            str(_field(item, "question_type", str, annotations_path, where))
        )
    annotated = set(files.question_ids)
    missing = [q for q in files.question_ids if q not in predictions]
    extra = [q for q in predictions if q not in annotated]
    if missing or extra:
        raise DataError(
            f"{results_path}: results must answer exactly the questions of {annotations_path}: "
            f"{len(missing)} question(s) without an answer (e.g. question_id {missing[:3]}), "
            f"{len(extra)} answer(s) to unknown questions (e.g. {extra[:3]})"
        )
    files.predictions = [predictions[q] for q in files.question_ids]
    return files


def _numbers(values: Any, path: str | Path, field: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(f"{path}: field {field!r} must hold numbers") from error
    if not np.all(np.isfinite(array)):
        raise DataError(f"{path}: field {field!r} has NaN or infinite values")
    return array


@dataclass
class SentimentFiles:
    """Predicted and true values; ``emotions`` is set for per-emotion (IEMOCAP) results."""

    predictions: np.ndarray
    labels: np.ndarray
    emotions: list[str] | None = None


def read_sentiment_results(path: str | Path) -> SentimentFiles:
    """Reads ``[{"prediction": p, "label": y}, ...]`` or ``{"predictions": [...], "labels": [...]}``
    (with ``"emotions": [...]`` for IEMOCAP-style per-emotion 0/1 predictions and labels)."""
    data = read_json(path)
    if isinstance(data, list):
        rows = _list_of_objects(data, path, '[{"prediction": ..., "label": ...}]')
        values = [_field(r, "prediction", (int, float), path, f"[{i}]") for i, r in enumerate(rows)]
        truths = [_field(r, "label", (int, float), path, f"[{i}]") for i, r in enumerate(rows)]
        return SentimentFiles(_numbers(values, path, "prediction"), _numbers(truths, path, "label"))
    if not isinstance(data, dict) or "predictions" not in data or "labels" not in data:
        raise DataError(
            f'{path}: expected [{{"prediction": ..., "label": ...}}, ...] or '
            '{"predictions": [...], "labels": [...]}'
        )
    predictions = _numbers(data["predictions"], path, "predictions")
    labels = _numbers(data["labels"], path, "labels")
    if predictions.shape != labels.shape:
        raise DataError(
            f"{path}: 'predictions' has shape {predictions.shape} but 'labels' {labels.shape}"
        )
    emotions = data.get("emotions")
    if emotions is not None:
        if not isinstance(emotions, list) or not all(isinstance(e, str) for e in emotions):
            raise DataError(f"{path}: field 'emotions' must be a list of names")
        if predictions.ndim != 2 or predictions.shape[1] != len(emotions):
            raise DataError(
                f"{path}: with {len(emotions)} emotions, 'predictions' must be (N, {len(emotions)})"
            )
    elif predictions.ndim != 1:
        raise DataError(f"{path}: 'predictions' must be a flat list of intensities")
    return SentimentFiles(predictions, labels, emotions)


@dataclass
class RetrievalFiles:
    """Image-text similarity (I, T) and each text's image index (T,)."""

    similarity: np.ndarray
    text_image: np.ndarray


def read_retrieval_results(path: str | Path) -> RetrievalFiles:
    """Reads ``{"similarity": [[...]], "text_image": [...]}`` (JSON or ``.npz``).

    ``text_image`` gives each text's image as a row index of ``similarity``; alternatively give
    ``image_ids`` (one per row) and ``text_image_ids`` (one per column).
    """
    file = Path(path)
    if file.suffix == ".npz":
        if not file.is_file():
            raise DataError(f"{file}: file not found")
        with np.load(file, allow_pickle=False) as archive:
            data: dict[str, Any] = {key: archive[key] for key in archive.files}
    else:
        loaded = read_json(file)
        if not isinstance(loaded, dict):
            raise DataError(
                f'{file}: expected an object {{"similarity": [[...]], "text_image": [...]}}'
            )
        data = loaded
    if "similarity" not in data:
        raise DataError(f"{file}: no 'similarity' field (an images × texts matrix of scores)")
    similarity = _numbers(data["similarity"], file, "similarity")
    if similarity.ndim != 2:
        raise DataError(
            f"{file}: 'similarity' must be a matrix (images × texts), got shape {similarity.shape}"
        )
    images, texts = similarity.shape
    if "text_image" in data:
        owners = _numbers(data["text_image"], file, "text_image")
        if (
            owners.shape != (texts,)
            or np.any(owners != np.round(owners))
            or np.any(owners < 0)
            or np.any(owners >= images)
        ):
            raise DataError(
                f"{file}: 'text_image' must list {texts} row indices in 0..{images - 1}"
            )
        text_image = owners.astype(np.int64)
    elif "image_ids" in data and "text_image_ids" in data:
        image_ids = [str(value) for value in list(data["image_ids"])]
        if len(image_ids) != images:
            raise DataError(f"{file}: {len(image_ids)} 'image_ids' for {images} similarity rows")
        index = {key: row for row, key in enumerate(image_ids)}
        text_ids = [str(value) for value in list(data["text_image_ids"])]
        if len(text_ids) != texts:
            raise DataError(
                f"{file}: {len(text_ids)} 'text_image_ids' for {texts} similarity columns"
            )
        unknown = [key for key in text_ids if key not in index]
        if unknown:
            raise DataError(
                f"{file}: 'text_image_ids' names images not in 'image_ids': {unknown[:3]}"
            )
        text_image = np.array([index[key] for key in text_ids], dtype=np.int64)
    else:
        raise DataError(
            f"{file}: give 'text_image' (each text's row) or 'image_ids' and 'text_image_ids'"
        )
    without = sorted(set(range(images)) - set(text_image.tolist()))
    if without:
        raise DataError(f"{file}: image row(s) {without[:5]} have no text")
    return RetrievalFiles(similarity, text_image)
