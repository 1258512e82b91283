"""Images of big datasets: reading, and skipping broken ones only when the user allows it.

By default a missing or undecodable image stops the run with an error naming the file. With
``skip_broken_images=True`` a dataset instead drops samples whose image file is missing (at
construction) and replaces a sample whose image cannot be decoded by the next readable one
(while loading); both are counted in a :class:`SkipLog` that is shared with DataLoader worker
processes, so the main process can report the totals (``dataset.skipped``,
``dataset.skip_report()``).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
from collections.abc import Callable, Iterable
from multiprocessing import context as mp_context
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from polymodal.data.datasets._files import existing_files
from polymodal.data.images import load_image
from polymodal.errors import DataError

logger = logging.getLogger("polymodal.data")

#: Consecutive unreadable samples after which skipping gives up (the folder is probably wrong).
MAX_CONSECUTIVE_SKIPS = 64
_HINT = "pass skip_broken_images=True to skip such samples and count them"
_EXAMPLE_BYTES = 600
_LOGGED_PER_PROCESS = 10


class UnreadableImage(DataError):
    """An image file that is missing, truncated or not an image (names the file)."""


def read_image(path: Path) -> torch.Tensor:
    """Decodes an image file: (3, H, W) uint8. Raises :class:`UnreadableImage`."""
    try:
        return load_image(path)
    except DataError as error:
        raise UnreadableImage(f"{error} ({_HINT})") from None


def decode_image_bytes(data: bytes, source: str) -> torch.Tensor:
    """Decodes encoded image bytes (e.g. a tar member): (3, H, W) uint8.

    Args:
        data: the encoded file.
        source: where the bytes came from, for the error message (``shard.tar:key.jpg``).

    Raises:
        UnreadableImage: the bytes are not a decodable image.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UnreadableImage(f"cannot decode image {source}: {error} ({_HINT})") from None
    # numpy moves the channels: torch's multi-threaded copy of one image is far slower.
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))


class SkipLog:
    """Counts samples skipped for unreadable images, across DataLoader worker processes.

    Args:
        size: the number of samples of a map-style dataset: each sample is then counted once,
            however many epochs read it; ``None`` for a stream, where every skip counts.

    The counters live in shared memory created here, in the process that builds the dataset;
    worker processes inherit them when the DataLoader starts them (fork or spawn).
    """

    def __init__(self, size: int | None = None) -> None:
        self._setup(size, events=0, example="")

    def _setup(self, size: int | None, events: int, example: str) -> None:
        ctx = multiprocessing.get_context()
        self.size = size
        self._events = ctx.Value("q", events)
        # One byte per sample: a worker marks the samples it skipped; no lock is needed
        # because each byte only ever goes from 0 to 1.
        self._marks = ctx.Array("b", size, lock=False) if size else None
        self._example = ctx.Array("c", _EXAMPLE_BYTES, lock=False)
        self._example.value = example.encode()[: _EXAMPLE_BYTES - 1]
        self._logged = 0

    def __getstate__(self) -> dict[str, Any]:
        if mp_context.get_spawning_popen() is not None:
            # Starting a worker process: share the counters themselves.
            return {**self.__dict__, "_logged": 0}
        # Any other copy (deepcopy, pickling to disk) gets its own counters, as they are now.
        marks = bytes(self._marks) if self._marks is not None else None
        return {"snapshot": (self.size, self._events.value, self.example, marks)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "snapshot" in state:
            size, events, example, marks = state["snapshot"]
            self._setup(size, events, example)
            if marks is not None and self._marks is not None:
                np.frombuffer(self._marks, dtype=np.int8)[:] = np.frombuffer(marks, np.int8)
        else:
            self.__dict__.update(state)

    def record(self, index: int | None, message: str) -> None:
        """Counts one skipped sample (``index`` for map-style datasets) and its reason."""
        with self._events.get_lock():
            self._events.value += 1
            if not self._example.value:
                self._example.value = message.encode()[: _EXAMPLE_BYTES - 1]
        if self._marks is not None and index is not None:
            self._marks[index] = 1
        if self._logged < _LOGGED_PER_PROCESS:
            self._logged += 1
            logger.warning("skipping sample %s: %s", index, message)

    @property
    def count(self) -> int:
        """Distinct samples skipped (map-style), or skips so far (streams)."""
        if self._marks is not None:
            return int(np.frombuffer(self._marks, dtype=np.int8).astype(bool).sum())
        return int(self._events.value)

    @property
    def example(self) -> str:
        """The first skip's reason ("" when nothing was skipped)."""
        return bytes(self._example.value).decode(errors="replace")


class BrokenImages:
    """A dataset's policy for unreadable images, and its counts.

    Args:
        skip: the user's ``skip_broken_images``.
        name: the dataset and split, for reports (``"VQAv2 train"``).
        size: the number of samples (``None`` for streams).
    """

    def __init__(self, skip: bool, name: str, size: int | None = None) -> None:
        self.skip = skip
        self.name = name
        self.missing = 0
        self.missing_files = 0
        self.missing_example = ""
        self.log = SkipLog(size) if skip else None

    def resize(self, size: int | None) -> None:
        """Sets the sample count once it is known (after dropping missing images)."""
        if self.skip:
            self.log = SkipLog(size)

    def drop_missing(self, paths: Iterable[Path], folder: Path) -> set[Path]:
        """The image files among ``paths`` that do not exist.

        The caller drops those samples and sets :attr:`missing` to how many it dropped.

        Raises:
            DataError: some are missing and skipping is off (count, folder and an example).
        """
        wanted = set(paths)
        missing = wanted - existing_files(wanted)
        if missing and not self.skip:
            example = min(missing)
            raise DataError(
                f"{self.name}: {len(missing)} image file(s) missing from {folder}, e.g. "
                f"{example.name} ({_HINT.replace('such samples', 'their samples')})"
            )
        if missing:
            self.missing_files = len(missing)
            self.missing_example = str(min(missing))
        return missing

    def fetch(self, index: int, length: int, read: Callable[[int], dict[str, Any]]) -> Any:
        """``read(index)``; with skipping on, an unreadable image moves on to the next sample
        (wrapping around), and the skip is counted."""
        if self.log is None:
            return read(index)
        for attempt in range(min(length, MAX_CONSECUTIVE_SKIPS)):
            candidate = (index + attempt) % length
            try:
                return read(candidate)
            except UnreadableImage as error:
                self.log.record(candidate, str(error))
        raise DataError(
            f"{self.name}: {min(length, MAX_CONSECUTIVE_SKIPS)} consecutive samples from "
            f"index {index} have unreadable images; is the image folder right?"
        )

    @property
    def skipped(self) -> int:
        """Samples skipped so far: dropped for missing files plus replaced while loading."""
        return self.missing + (self.log.count if self.log is not None else 0)

    def report(self) -> str | None:
        """One line for the run log, or ``None`` when nothing was skipped."""
        if not self.skipped:
            return None
        parts = []
        if self.missing:
            parts.append(
                f"{self.missing} sample(s) dropped for missing image files "
                f"(e.g. {self.missing_example})"
            )
        decoded = self.log.count if self.log is not None else 0
        if decoded and self.log is not None:
            parts.append(f"{decoded} sample(s) skipped for unreadable images ({self.log.example})")
        return f"{self.name}: " + "; ".join(parts)
