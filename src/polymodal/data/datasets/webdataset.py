"""Image-caption pairs streamed from WebDataset-style tar shards.

A shard is a plain tar file whose members are grouped by *key*: ``{key}.jpg`` (or ``.jpeg``,
``.png``, ``.webp``) holds the image, ``{key}.txt`` the caption, and other members
(``{key}.json`` …) are ignored. The key is the member path up to the first dot of its file name,
and one key's members are consecutive — as img2dataset's ``webdataset`` output and the
``webdataset`` library write them. Shards are named by a list, a glob (``cc3m/*.tar``) or a
brace range (``cc3m/{00000..00331}.tar``).

Shards are read sequentially, never unpacked, so a set of any size streams with constant
memory. Each DataLoader worker (and each distributed process) reads its own shards; with fewer
shards than readers, every reader goes through all shards and keeps every n-th sample.
"""

from __future__ import annotations

import glob
import random
import re
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import IterableDataset, get_worker_info

from polymodal.data.datasets._images import BrokenImages, UnreadableImage, decode_image_bytes
from polymodal.errors import DataError

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
_BRACES = re.compile(r"\{([^{}]*)\}")


def expand_shards(pattern: str) -> list[str]:
    """Expands ``{a..b}`` (zero-padded like ``a``) and ``{x,y}`` braces, left to right."""
    match = _BRACES.search(pattern)
    if match is None:
        return [pattern]
    head, tail, body = pattern[: match.start()], pattern[match.end() :], match.group(1)
    if ".." in body:
        first, last = body.split("..", 1)
        if not (first.isdigit() and last.isdigit()):
            raise DataError(f"shard pattern {pattern!r}: range {{{body}}} must be numbers")
        width = len(first)
        choices = [f"{n:0{width}d}" for n in range(int(first), int(last) + 1)]
    else:
        choices = body.split(",")
    return [name for choice in choices for name in expand_shards(head + choice + tail)]


def _resolve(shards: str | Sequence[str], root: Path | None) -> list[Path]:
    patterns = [shards] if isinstance(shards, str) else list(shards)
    paths: list[Path] = []
    for pattern in patterns:
        for name in expand_shards(pattern):
            full = str(root / name) if root is not None else name
            matches = sorted(glob.glob(full)) if glob.has_magic(full) else [full]
            if not matches:
                raise DataError(f"no shard matches {full}")
            paths.extend(Path(m) for m in matches)
    for path in paths:
        if not path.is_file():
            raise DataError(f"shard not found: {path}")
    if not paths:
        raise DataError("WebDatasetShards: no shards given")
    return paths


def _split_key(name: str) -> tuple[str, str]:
    folder, _, base = name.rpartition("/")
    stem, _, extension = base.partition(".")
    return (f"{folder}/{stem}" if folder else stem), extension.lower()


def read_groups(path: Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(key, {extension: bytes}) for each key of a shard, in order."""
    key: str | None = None
    group: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                member_key, extension = _split_key(member.name)
                if member_key != key:
                    if key is not None:
                        yield key, group
                    key, group = member_key, {}
                handle = archive.extractfile(member)
                group[extension] = handle.read() if handle is not None else b""
    # Truncated compressed shards (.tar.gz) raise zlib errors.
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise DataError(f"shard {path}: cannot read tar ({error}); is it truncated?") from None
    if key is not None:
        yield key, group


class WebDatasetShards(IterableDataset[dict[str, Any]]):
    """Image-caption pairs streamed from tar shards.

    Args:
        shards: shard paths or patterns (glob or brace range), relative to ``root`` if given.
        root: the folder of the shards.
        caption_extension: the member extension holding the caption.
        shuffle_shards: shuffle the shard order each pass (by ``seed`` and the pass number).
        seed: the shuffling seed.
        skip_broken_images: skip samples whose image cannot be decoded, counted
            (:attr:`skipped`, :meth:`skip_report`), instead of raising.

    Each sample: ``id`` (the key), ``image`` ((3, H, W) uint8), ``caption``, ``shard`` (file name).
    """

    def __init__(
        self,
        shards: str | Sequence[str],
        root: str | Path | None = None,
        caption_extension: str = "txt",
        shuffle_shards: bool = False,
        seed: int = 0,
        skip_broken_images: bool = False,
    ) -> None:
        self.root = Path(root) if root is not None else None
        self.shards = _resolve(shards, self.root)
        self.caption_extension = caption_extension
        self.shuffle_shards = shuffle_shards
        self.seed = seed
        self.epoch = 0
        self._broken = BrokenImages(skip_broken_images, "WebDataset shards", size=None)

    def set_epoch(self, epoch: int) -> None:
        """Sets the pass number that, with ``seed``, orders the shards."""
        self.epoch = epoch

    def _reader(self) -> tuple[int, int]:
        """(this reader's number, number of readers) over workers and distributed ranks."""
        rank, world = 0, 1
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        return rank * workers + worker, world * workers

    def _groups(self) -> Iterator[tuple[Path, str, dict[str, bytes]]]:
        shards = list(self.shards)
        if self.shuffle_shards:
            random.Random(self.seed * 1_000_003 + self.epoch).shuffle(shards)
        reader, readers = self._reader()
        if len(shards) >= readers:
            for shard in shards[reader::readers]:
                for key, group in read_groups(shard):
                    yield shard, key, group
            return
        number = 0
        for shard in shards:
            for key, group in read_groups(shard):
                if number % readers == reader:
                    yield shard, key, group
                number += 1

    def _caption(self, shard: Path, key: str, group: dict[str, bytes]) -> str:
        if self.caption_extension not in group:
            raise DataError(
                f"shard {shard}: sample {key!r} has no .{self.caption_extension} member "
                f"(it has {sorted(group)})"
            )
        return group[self.caption_extension].decode("utf-8", errors="replace").strip()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for shard, key, group in self._groups():
            extension = next((e for e in IMAGE_EXTENSIONS if e in group), None)
            if extension is None:
                raise DataError(
                    f"shard {shard}: sample {key!r} has no image member "
                    f"(.{', .'.join(IMAGE_EXTENSIONS)}); it has {sorted(group)}"
                )
            caption = self._caption(shard, key, group)
            try:
                image = decode_image_bytes(group[extension], f"{shard}:{key}.{extension}")
            except UnreadableImage as error:
                if self._broken.log is None:
                    raise
                self._broken.log.record(None, str(error))
                continue
            yield {"id": key, "image": image, "caption": caption, "shard": shard.name}

    def field_values(self, field: str) -> list[Any]:
        """``id`` or ``caption`` of every sample (reads the shards, decodes no image)."""
        if field not in ("id", "caption"):
            raise KeyError(f"WebDatasetShards has no field {field!r} to list")
        values = []
        for shard in self.shards:
            for key, group in read_groups(shard):
                values.append(key if field == "id" else self._caption(shard, key, group))
        return values

    @property
    def skipped(self) -> int:
        """Samples skipped for unreadable images so far (every pass counts again)."""
        return self._broken.skipped

    def skip_report(self) -> str | None:
        return self._broken.report()
