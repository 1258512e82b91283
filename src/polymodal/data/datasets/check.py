"""Validating a dataset folder and summarising each split (``polymodal data check``).

Each split is built through its public class, with ``skip_broken_images=True`` so that missing
images are counted instead of stopping the check; malformed files still raise and are reported
with the error's message (which names the file and field).
"""

from __future__ import annotations

import inspect
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from polymodal.config import import_component
from polymodal.data.datasets._images import UnreadableImage, read_image
from polymodal.data.datasets.catalog import DatasetEntry
from polymodal.data.tokenizers import WordTokenizer
from polymodal.errors import DataError

TOP_LABELS = 10


@dataclass
class SplitSummary:
    """What ``data check`` found in one split.

    Attributes:
        split: the split name.
        status: ``ok``, ``missing`` (a file of the split is absent) or ``error`` (malformed).
        message: the error, for ``missing`` and ``error``.
        samples: number of samples.
        images: distinct image files the split uses (``None`` without images).
        missing_images: image files that do not exist.
        samples_without_image: samples dropped because their image is missing.
        broken_images: decoded image files that failed (``None`` when not decoded).
        decoded_images: how many image files were decoded.
        vocabulary: distinct words of the text field (``None`` without text).
        labels: distinct labels (answers, emotions) or ``None``.
        distribution: the most frequent labels (or bins) with their counts.
        details: other facts (feature sizes, skip report, dimensions).
    """

    split: str
    status: str = "ok"
    message: str = ""
    samples: int = 0
    images: int | None = None
    missing_images: int = 0
    samples_without_image: int = 0
    broken_images: int | None = None
    decoded_images: int = 0
    vocabulary: int | None = None
    labels: int | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build(entry: DatasetEntry, root: Path | None, split: str, arguments: dict[str, Any]) -> Any:
    """The dataset of ``entry`` for ``split``, with only the arguments its signature takes."""
    component = import_component(entry.component)
    accepted = inspect.signature(component).parameters
    kwargs: dict[str, Any] = {**entry.arguments, **arguments}
    if entry.root_arg is not None and root is not None:
        kwargs[entry.root_arg] = root
    if entry.split_arg is not None:
        kwargs[entry.split_arg] = split
    if "skip_broken_images" in accepted:
        kwargs.setdefault("skip_broken_images", True)
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise DataError(f"{entry.component} takes no argument(s) {unknown}")
    return component(**kwargs)


def _distribution(
    entry: DatasetEntry, values: list[Any]
) -> tuple[int | None, list[tuple[str, int]], dict[str, Any]]:
    details: dict[str, Any] = {}
    if entry.label_kind == "answers":
        counts = Counter(answers[0] for answers in values if answers)
        return len(counts), counts.most_common(TOP_LABELS), details
    if entry.label_kind == "category":
        counts = Counter(str(v) for v in values)
        counts.pop("", None)  # unannotated (test) samples
        return len(counts), counts.most_common(TOP_LABELS), details
    if entry.label_kind == "score":
        scores = np.asarray(values, dtype=np.float64)
        # Seven classes as Acc-7 uses them: clip to [-3, 3], round half to even (numpy).
        classes = Counter(int(c) for c in np.round(np.clip(scores, -3, 3)))
        details.update(
            negative=int((scores < 0).sum()),
            zero=int((scores == 0).sum()),
            positive=int((scores > 0).sum()),
            mean=round(float(scores.mean()), 4) if len(scores) else None,
        )
        return None, [(f"{c:+d}", classes[c]) for c in sorted(classes)], details
    if entry.label_kind == "traces":
        frames = np.concatenate([np.asarray(v) for v in values]) if values else np.zeros((0, 1))
        details["frames"] = len(frames)
        details["mean"] = [round(float(m), 4) for m in frames.mean(axis=0)] if len(frames) else []
        details["std"] = [round(float(s), 4) for s in frames.std(axis=0)] if len(frames) else []
        return None, [], details
    return None, [], details


def _decode(files: list[Path], limit: int | None) -> tuple[int, int, str]:
    chosen = files if limit is None else files[:limit]
    broken, example = 0, ""
    for path in chosen:
        try:
            read_image(path)
        except UnreadableImage as error:
            broken += 1
            example = example or str(error)
    return len(chosen), broken, example


def summarize_split(
    entry: DatasetEntry,
    root: Path | None,
    split: str,
    arguments: dict[str, Any] | None = None,
    decode: int | None = 0,
) -> SplitSummary:
    """Builds one split and summarises it.

    Args:
        entry: the dataset.
        root: its folder.
        split: the split.
        arguments: extra constructor arguments (``trust_pickle``, ``file``, ...).
        decode: decode this many image files to find broken ones (``None``: all; 0: none).
    """
    summary = SplitSummary(split)
    try:
        dataset = build(entry, root, split, dict(arguments or {}))
    except DataError as error:
        message = str(error)
        summary.status = "missing" if " not found" in message else "error"
        summary.message = message
        return summary
    summary.samples = _samples(dataset)
    if hasattr(dataset, "image_files"):
        files = list(dict.fromkeys(dataset.image_files()))
        broken = getattr(dataset, "_broken", None)
        summary.missing_images = getattr(broken, "missing_files", 0)
        summary.samples_without_image = getattr(broken, "missing", 0)
        summary.images = len(files) + summary.missing_images
        if decode != 0:
            summary.decoded_images, summary.broken_images, example = _decode(files, decode)
            if example:
                summary.details["broken_example"] = example
    if entry.text_field is not None:
        try:
            texts = dataset.field_values(entry.text_field)
            summary.vocabulary = WordTokenizer().fit(texts).vocab_size - 2  # minus PAD, UNK
        except KeyError:
            pass
    if entry.label_field is not None:
        values = dataset.field_values(entry.label_field)
        summary.labels, summary.distribution, details = _distribution(entry, values)
        summary.details.update(details)
    if hasattr(dataset, "feature_dims"):
        summary.details["feature_dims"] = dataset.feature_dims()
    for name in ("nonfinite_replaced", "undownloaded"):
        if getattr(dataset, name, 0):
            summary.details[name] = getattr(dataset, name)
    report = dataset.skip_report() if hasattr(dataset, "skip_report") else None
    if report:
        summary.details["skip_report"] = report
    return summary


def _samples(dataset: Any) -> int:
    try:
        return len(dataset)
    except TypeError:  # a stream: count by reading ids (no image is decoded)
        return len(dataset.field_values("id"))


def check_dataset(
    entry: DatasetEntry,
    root: Path | None,
    splits: list[str] | None = None,
    arguments: dict[str, Any] | None = None,
    decode: int | None = 0,
) -> list[SplitSummary]:
    """Summaries of ``splits`` (default: the entry's splits)."""
    return [
        summarize_split(entry, root, split, arguments, decode) for split in splits or entry.splits
    ]
