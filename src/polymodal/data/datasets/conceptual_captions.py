"""Conceptual Captions (Sharma et al. 2018): the official TSV plus a folder of downloaded images.

Google publishes captions and image URLs only; users download the images themselves, and a
share of the links is always dead. Layout::

    ROOT/Train_GCC-training.tsv                caption<TAB>url per line, no header (3,318,333)
    ROOT/Validation_GCC-1.1.0-Validation.tsv   (15,840)
    ROOT/training/...                          downloaded images (``validation/`` for val)

Image file names, as the common downloaders write them (``naming="auto"`` tries each):

* ``index_crc``: ``<row>_<crc32(url)>``, no extension — ``download_data.py`` of the
  DownloadConceptualCaptions scripts;
* ``crc``: ``<crc32(url)>`` — its older version (ViLBERT, VOLTA);
* ``img2dataset``: ``<row // 10000 as %05d>/<row as %09d>.jpg`` — img2dataset's ``files``
  output with its default 10,000 samples per folder;
* ``index``: ``<row>`` with any extension.

Rows whose image was never downloaded are dropped and counted (``undownloaded``, in
:meth:`~polymodal.data.datasets.caption_set.CaptionDataset.skip_report`); a downloaded file
that is not an image (many dead links return an HTML page) is an error unless
``skip_broken_images=True``. For the full 3M set, WebDataset shards
(:mod:`polymodal.data.datasets.webdataset`) stream better than one folder.
"""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Callable
from pathlib import Path

from polymodal.data.datasets._files import find_file
from polymodal.data.datasets.caption_set import CaptionDataset, CaptionedImage
from polymodal.errors import DataError

TSV_FILES = {"train": "Train_GCC-training.tsv", "val": "Validation_GCC-1.1.0-Validation.tsv"}
IMAGE_FOLDERS = {"train": "training", "val": "validation"}
SAMPLES_PER_FOLDER = 10_000


def url_crc(url: str) -> int:
    """The unsigned CRC-32 of the URL, as the download scripts name files."""
    return zlib.crc32(url.encode("utf-8")) & 0xFFFFFFFF


_NAMINGS: dict[str, Callable[[int, str], str]] = {
    "index_crc": lambda row, url: f"{row}_{url_crc(url)}",
    "crc": lambda row, url: str(url_crc(url)),
    "img2dataset": lambda row, url: f"{row // SAMPLES_PER_FOLDER:05d}/{row:09d}",
    "index": lambda row, url: str(row),
}


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(caption, url) per line of a Conceptual Captions TSV."""
    if not path.is_file():
        raise DataError(f"Conceptual Captions TSV not found: {path}")
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(row) < 2 or not row[1].strip():
                raise DataError(
                    f"{path}: line {line} has {len(row)} column(s); expected caption<TAB>url"
                )
            rows.append((row[0], row[1]))
    return rows


def _files_by_stem(folder: Path) -> dict[str, Path]:
    """Relative path without extension → file, for every file under ``folder``."""
    stems: dict[str, Path] = {}
    for directory, _, names in os.walk(folder):
        relative = Path(directory).relative_to(folder)
        for name in names:
            stem = name.split(".", 1)[0]
            key = stem if relative == Path(".") else f"{relative.as_posix()}/{stem}"
            stems.setdefault(key, Path(directory) / name)
    return stems


def detect_naming(rows: list[tuple[str, str]], stems: dict[str, Path], probe: int = 2000) -> str:
    """The naming scheme that finds the most of the first ``probe`` rows' images.

    One scheme is chosen for the whole folder: trying every scheme for every row could pair a
    row whose image is missing with another row's file (a CRC that equals a row number).
    """
    sample = list(enumerate(rows[:probe]))
    found = {
        naming: sum(name(row, url) in stems for row, (_, url) in sample)
        for naming, name in _NAMINGS.items()
    }
    return max(found, key=lambda naming: found[naming])


def conceptual_captions(
    split: str = "train",
    root: str | Path = "data/conceptual_captions",
    tsv: str | Path | None = None,
    image_dir: str | Path | None = None,
    naming: str = "auto",
    limit: int | None = None,
    skip_broken_images: bool = False,
) -> CaptionDataset:
    """Conceptual Captions rows whose image was downloaded.

    Args:
        split: ``train`` or ``val``.
        root: the folder with the TSV files and image folders.
        tsv: the TSV file (default: the official name under ``root``).
        image_dir: the downloaded images (default ``ROOT/training`` or ``ROOT/validation``).
        naming: ``auto``, ``index_crc``, ``crc``, ``img2dataset`` or ``index`` (module docs).
        limit: keep only the first ``limit`` TSV rows.
        skip_broken_images: skip files that cannot be decoded, counted.

    Samples: ``id`` and ``image_id`` (the TSV row, from 0), ``image``, ``caption``,
    ``captions`` (the one caption).
    """
    if split not in TSV_FILES:
        raise DataError(f"Conceptual Captions: unknown split {split!r}; expected train or val")
    if naming != "auto" and naming not in _NAMINGS:
        raise DataError(f"Conceptual Captions: naming must be auto or one of {list(_NAMINGS)}")
    root = Path(root)
    tsv_path = (
        Path(tsv)
        if tsv is not None
        else find_file(root, [TSV_FILES[split]], f"Conceptual Captions {split} TSV")
    )
    rows = read_tsv(tsv_path)
    if limit is not None:
        rows = rows[:limit]
    folder = Path(image_dir) if image_dir is not None else root / IMAGE_FOLDERS[split]
    if not folder.is_dir():
        raise DataError(f"Conceptual Captions image folder not found: {folder}")
    stems = _files_by_stem(folder)
    if naming == "auto":
        naming = detect_naming(rows, stems)
    name = _NAMINGS[naming]
    images = []
    for row, (caption, url) in enumerate(rows):
        path = stems.get(name(row, url))
        if path is not None:
            images.append(CaptionedImage(row, path, [caption], [row]))
    if rows and not images:
        raise DataError(
            f"Conceptual Captions {split}: none of the {len(rows)} rows of {tsv_path.name} has "
            f"an image in {folder} (naming={naming!r}; see the module docs for file names)"
        )
    return CaptionDataset(
        images,
        f"Conceptual Captions {split}",
        folder,
        skip_broken_images=skip_broken_images,
        check_files=False,
        undownloaded=len(rows) - len(images),
    )
