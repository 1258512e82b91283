"""MVSA-Single and MVSA-Multiple: tweets with an image, labelled positive / neutral / negative
(Niu et al. 2016, "Sentiment Analysis on Multi-view Social Data", MMM).

Layout (the official archives, unpacked)::

    ROOT/labelResultAll.txt   tab-separated, one header line, then one line per tweet:
                              MVSA-Single:   ID<TAB>text,image
                              MVSA-Multiple: ID<TAB>text,image<TAB>text,image<TAB>text,image
                              (one text,image pair per annotator; labels positive, neutral,
                              negative)
    ROOT/data/<ID>.jpg        the tweet's image
    ROOT/data/<ID>.txt        the tweet's text (not always UTF-8)

Each annotation gives the text and the image a label of their own; papers that report on
MVSA (Xu & Mao 2017, "MultiSentiNet", CIKM; Xu et al. 2018, "A Co-Memory Network for
Multimodal Sentiment Analysis", SIGIR) reduce them to one label per tweet:

- a pair whose labels are opposite (positive and negative) is dropped;
- when one of the two is neutral, the other one wins (equal labels stay as they are);
- MVSA-Multiple: each annotator's pair is reduced this way, and the tweet takes the label
  that at least two of the three annotators' reduced labels agree on (a conflicting pair
  gives no vote); a tweet without such a majority is dropped.

MVSA has no official split. The usual one is random, 8:1:1 train / val / test, over the tweets
that survive the reduction; here it is drawn with ``random.Random(split_seed)`` from the tweet
ids in numeric order, so a seed always gives the same split, whatever files are present.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from polymodal.data.datasets._files import split_alias
from polymodal.data.datasets._images import BrokenImages, read_image
from polymodal.errors import DataError

SPLITS = ("train", "val", "test")
ALIASES = {"valid": "val", "validation": "val"}
LABELS = ("positive", "neutral", "negative")
LABEL_FILE = "labelResultAll.txt"
DATA_DIR = "data"
#: train / val / test shares of the tweets (the usual random 8:1:1).
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
#: Encodings tried after UTF-8 for tweet texts: Windows-1252 (curly quotes as single bytes, the
#: usual culprit), then Latin-1, which decodes any byte string.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_OPPOSITE = frozenset({"positive", "negative"})


def reduce_pair(text_label: str, image_label: str) -> str | None:
    """One label from a text label and an image label, or ``None`` when they are opposite.

    Equal labels stay; neutral gives way to the other label; positive with negative conflict.
    """
    if {text_label, image_label} == _OPPOSITE:
        return None
    if text_label == "neutral":
        return image_label
    return text_label


def majority_label(pairs: Sequence[tuple[str, str]]) -> str | None:
    """The label of a tweet from its annotators' (text, image) pairs, or ``None``.

    Each pair is reduced by :func:`reduce_pair`; the label is the one that more than half of
    the annotators' reduced labels agree on (2 of 3 for MVSA-Multiple, the single annotation
    for MVSA-Single). Conflicting pairs vote for nothing.
    """
    votes = Counter(label for label in (reduce_pair(*p) for p in pairs) if label is not None)
    if not votes:
        return None
    label, count = votes.most_common(1)[0]
    return label if count * 2 > len(pairs) else None


def read_text(path: Path) -> tuple[str, bool]:
    """A tweet's text, stripped, and whether it needed a fallback encoding (not UTF-8).

    Raises:
        DataError: the file cannot be read.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read the tweet text ({error})") from None
    try:
        return raw.decode("utf-8-sig").strip(), False
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            return raw.decode(encoding).strip(), True
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


@dataclass(frozen=True)
class Annotation:
    """One line of ``labelResultAll.txt``: the tweet id and each annotator's (text, image)."""

    id: str
    pairs: tuple[tuple[str, str], ...]


def _parse_pair(cell: str, path: Path, line: int) -> tuple[str, str]:
    parts = [part.strip().lower() for part in cell.split(",")]
    if len(parts) != 2 or any(part not in LABELS for part in parts):
        raise DataError(
            f"{path}: line {line}: {cell!r} is not a text,image label pair; expected two of "
            f"{', '.join(LABELS)} separated by a comma (e.g. 'positive,neutral')"
        )
    return parts[0], parts[1]


def read_annotations(path: Path) -> list[Annotation]:
    """The tweets of ``labelResultAll.txt``, each with one (text, image) pair per annotator.

    Raises:
        DataError: the file is missing or empty, or a line is malformed (names the line).
    """
    if not path.is_file():
        raise DataError(
            f"MVSA label file not found: {path} (expected the official {LABEL_FILE}: a header "
            "line, then ID<TAB>text,image per tweet, one text,image column per annotator)"
        )
    try:
        lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read it as text ({error})") from None
    if not lines:
        raise DataError(f"{path}: empty; expected a header line, then ID<TAB>text,image lines")
    annotators = len(lines[0].split("\t")) - 1
    if annotators < 1:
        raise DataError(
            f"{path}: line 1: header {lines[0]!r} has no tab-separated label column; expected "
            "ID<TAB>text,image (MVSA-Single) or three text,image columns (MVSA-Multiple)"
        )
    annotations = []
    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split("\t")
        if len(cells) != annotators + 1:
            raise DataError(
                f"{path}: line {number} has {len(cells) - 1} label column(s); the header has "
                f"{annotators}"
            )
        tweet = cells[0].strip()
        if not tweet.isdigit():
            raise DataError(f"{path}: line {number}: id {tweet!r} is not a number")
        if tweet in seen:
            raise DataError(f"{path}: line {number}: id {tweet} appears twice")
        seen.add(tweet)
        pairs = tuple(_parse_pair(cell, path, number) for cell in cells[1:])
        annotations.append(Annotation(tweet, pairs))
    if not annotations:
        raise DataError(f"{path}: no tweets after the header line")
    return annotations


def split_ids(ids: Sequence[str], split: str, split_seed: int) -> list[str]:
    """The ids of one split of the random 8:1:1 train / val / test split.

    The ids are put in numeric order, shuffled by ``random.Random(split_seed)``, then cut into
    the first 80 % (train), the next 10 % (val) and the rest (test).
    """
    order = sorted(ids, key=int)
    random.Random(split_seed).shuffle(order)
    train_end = int(len(order) * SPLIT_FRACTIONS[0])
    val_end = train_end + int(len(order) * SPLIT_FRACTIONS[1])
    bounds = {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, len(order))}
    start, end = bounds[split]
    return order[start:end]


class MVSA(Dataset[dict[str, Any]]):
    """MVSA-Single or MVSA-Multiple (the file tells which: one or three annotators).

    Args:
        split: ``train``, ``val`` (or ``valid``) or ``test`` of the random 8:1:1 split.
        root: the unpacked MVSA-Single or MVSA-Multiple folder.
        split_seed: the seed of the random split (the same seed, the same split).
        limit: keep only the first ``limit`` tweets of the split.
        skip_broken_images: drop tweets whose image or text file is missing and replace those
            whose image cannot be decoded, counting both (:attr:`skipped`,
            :meth:`skip_report`), instead of raising.

    Tweets whose labels are dropped by the reduction (see the module) are counted over the
    whole file in :attr:`dropped` (``opposite`` for MVSA-Single, ``no_majority`` for
    MVSA-Multiple); :attr:`non_utf8_texts` counts this split's texts decoded with a fallback
    encoding. Both appear in :meth:`skip_report`.

    Each sample: ``id`` (str), ``image`` ((3, H, W) uint8), ``text`` (str), ``label``
    (``positive``, ``neutral`` or ``negative``).
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/MVSA_Single",
        split_seed: int = 0,
        limit: int | None = None,
        skip_broken_images: bool = False,
    ) -> None:
        self.split = split_alias(split, ALIASES, SPLITS, "MVSA")
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataError(
                f"MVSA folder not found: {self.root} (expected the unpacked MVSA-Single or "
                f"MVSA-Multiple folder holding {LABEL_FILE} and {DATA_DIR}/<ID>.jpg, "
                f"{DATA_DIR}/<ID>.txt; with the shipped config, pass data.train.root=<folder>)"
            )
        self.data_dir = self.root / DATA_DIR
        if not self.data_dir.is_dir():
            raise DataError(
                f"MVSA data folder not found: {self.data_dir} (expected <ID>.jpg and <ID>.txt "
                "for each tweet of the label file)"
            )
        annotations = read_annotations(self.root / LABEL_FILE)
        self.annotators = len(annotations[0].pairs)
        self.variant = "MVSA-Single" if self.annotators == 1 else "MVSA-Multiple"
        labels: dict[str, str] = {}
        self.dropped: Counter[str] = Counter()
        for annotation in annotations:
            label = majority_label(annotation.pairs)
            if label is None:
                self.dropped["opposite" if self.annotators == 1 else "no_majority"] += 1
            else:
                labels[annotation.id] = label
        ids = split_ids(list(labels), self.split, split_seed)
        if limit is not None:
            ids = ids[:limit]
        self._broken = BrokenImages(skip_broken_images, f"{self.variant} {self.split}")
        missing_images = self._broken.drop_missing((self.image_path(i) for i in ids), self.data_dir)
        missing_texts = self._missing_texts(ids, skip_broken_images)
        no_image = {i for i in ids if self.image_path(i) in missing_images}
        self._broken.missing = len(no_image)
        # A tweet missing both files is counted once, under its image.
        self.missing_texts = len(
            [i for i in ids if self.text_path(i) in missing_texts and i not in no_image]
        )
        kept = [
            i
            for i in ids
            if self.image_path(i) not in missing_images and self.text_path(i) not in missing_texts
        ]
        self._broken.resize(len(kept))
        self.ids = kept
        self.labels = [labels[i] for i in kept]
        self.texts: list[str] = []
        self.non_utf8_texts = 0
        for tweet in kept:
            text, fallback = read_text(self.text_path(tweet))
            self.texts.append(text)
            self.non_utf8_texts += fallback

    def image_path(self, tweet: str) -> Path:
        return self.data_dir / f"{tweet}.jpg"

    def text_path(self, tweet: str) -> Path:
        return self.data_dir / f"{tweet}.txt"

    def image_files(self) -> list[Path]:
        """The image files of the split's tweets (for ``polymodal data check``)."""
        return [self.image_path(tweet) for tweet in self.ids]

    def _missing_texts(self, ids: Sequence[str], skip: bool) -> set[Path]:
        listing = {p.name for p in self.data_dir.iterdir()}
        missing = {self.text_path(i) for i in ids if f"{i}.txt" not in listing}
        if missing and not skip:
            raise DataError(
                f"{self.variant} {self.split}: {len(missing)} text file(s) missing from "
                f"{self.data_dir}, e.g. {min(missing).name} (pass skip_broken_images=True to "
                "skip their samples and count them)"
            )
        return missing

    @property
    def skipped(self) -> int:
        """Tweets of this split dropped for missing files or skipped for unreadable images."""
        return self._broken.skipped + self.missing_texts

    def skip_report(self) -> str | None:
        """One line: labels dropped by the reduction, files skipped, texts decoded as
        non-UTF-8; ``None`` when there is nothing to report."""
        parts = []
        if self.dropped:
            reasons = {
                "opposite": "opposite text and image labels",
                "no_majority": "no majority among the annotators",
            }
            dropped = ", ".join(f"{n} for {reasons[r]}" for r, n in sorted(self.dropped.items()))
            parts.append(
                f"{sum(self.dropped.values())} tweet(s) of the whole set dropped ({dropped})"
            )
        files = self._broken.report()
        if files:
            parts.append(files.split(": ", 1)[1])
        if self.missing_texts:
            parts.append(f"{self.missing_texts} sample(s) dropped for missing text files")
        if self.non_utf8_texts:
            parts.append(
                f"{self.non_utf8_texts} text(s) not UTF-8, decoded as Windows-1252/Latin-1"
            )
        return f"{self.variant} {self.split}: " + "; ".join(parts) if parts else None

    def field_values(self, field: str) -> list[Any]:
        """``id``, ``text`` or ``label`` of every sample, without decoding images."""
        values = {"id": self.ids, "text": self.texts, "label": self.labels}
        if field not in values:
            raise KeyError(f"MVSA has no field {field!r} to list (it lists {sorted(values)})")
        return list(values[field])

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._broken.fetch(index, len(self), self._read)

    def _read(self, index: int) -> dict[str, Any]:
        tweet = self.ids[index]
        return {
            "id": tweet,
            "image": read_image(self.image_path(tweet)),
            "text": self.texts[index],
            "label": self.labels[index],
        }


__all__ = ["LABELS", "MVSA", "majority_label", "read_annotations", "reduce_pair", "split_ids"]
