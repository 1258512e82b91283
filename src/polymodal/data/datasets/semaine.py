"""SEMAINE (McKeown et al. 2012): continuous affect traces aligned to per-frame features.

What is supported — the FEELtrace files of the SEMAINE database, one folder per session, named
by its convention ``R<rater>S<session>T<target>C<character>D<dimension>[attempt].txt``
(e.g. ``R1S1TUCPoDV.txt``: rater 1, user, character Poppy, valence), each line
``<time in seconds> <value>``; and one feature file per session that you extracted::

    ROOT/Sessions/<session>/R1S1TUCPoDV.txt   traces (other files in the folder are ignored)
    ROOT/features/<session>.npz               "features" (T, D) float, optional "times" (T,)
                                              seconds (otherwise frame k is at k / frame_rate)
    ROOT/splits.json                          optional {"train": [session, ...], "val": ...}

Dimensions: DV valence, DA arousal (activation), DP power, DE expectation (anticipation), DI
intensity. For each session and dimension, each rater's trace (the highest attempt number, as
the database documents) is linearly interpolated at the feature frames' times (held constant
beyond its ends) and the raters are averaged. Sessions without a trace for a requested
dimension, or without a feature file, are dropped and counted (:meth:`SEMAINE.skip_report`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from polymodal.data.datasets._files import expect, read_json
from polymodal.errors import DataError

DIMENSIONS = {"V": "valence", "A": "arousal", "P": "power", "E": "expectation", "I": "intensity"}
ALL_DIMENSIONS = tuple(DIMENSIONS.values())
TARGETS = {"user": "U", "operator": "O"}
_TRACE = re.compile(r"^R(\d+)S(\d+)T([UO])C([A-Za-z]+?)D([VAPEI])(\d*)\.txt$")


def read_trace(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(times, values) of one FEELtrace file, sorted by time."""
    times, values = [], []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        try:
            times.append(float(parts[0]))
            values.append(float(parts[1]))
        except (ValueError, IndexError):
            raise DataError(
                f"{path}: line {number} is {line.strip()!r}; expected '<seconds> <value>'"
            ) from None
    if not times:
        raise DataError(f"{path}: empty trace")
    order = np.argsort(times, kind="stable")
    return np.asarray(times)[order], np.asarray(values)[order]


def find_traces(folder: Path, target: str) -> dict[str, dict[int, Path]]:
    """dimension name → rater → trace file (the rater's last attempt), for ``target``."""
    chosen: dict[str, dict[int, tuple[int, Path]]] = defaultdict(dict)
    for path in sorted(folder.glob("*.txt")):
        match = _TRACE.match(path.name)
        if match is None or match.group(3) != target:
            continue
        rater, dimension = int(match.group(1)), DIMENSIONS[match.group(5)]
        attempt = int(match.group(6) or 0)
        if attempt >= chosen[dimension].get(rater, (-1, path))[0]:
            chosen[dimension][rater] = (attempt, path)
    return {dim: {r: p for r, (_, p) in raters.items()} for dim, raters in chosen.items()}


def read_features(path: Path, frame_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(features (T, D), times (T,)) of one session's ``.npz`` or ``.npy`` file."""
    try:
        if path.suffix == ".npy":
            features, times = np.load(path, allow_pickle=False), None
        else:
            with np.load(path, allow_pickle=False) as archive:
                if "features" not in archive:
                    raise DataError(f"{path}: no 'features' array (it has {archive.files})")
                features = archive["features"]
                times = archive["times"] if "times" in archive.files else None
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read features ({error})") from None
    if features.ndim != 2:
        raise DataError(f"{path}: features have shape {features.shape}; expected (frames, dims)")
    if times is None:
        times = np.arange(len(features)) / frame_rate
    elif times.shape != (len(features),):
        raise DataError(f"{path}: times have shape {times.shape}; expected ({len(features)},)")
    return features.astype(np.float32), times.astype(np.float64)


class SEMAINE(Dataset[dict[str, Any]]):
    """SEMAINE sessions (or windows of them): per-frame features with per-frame affect labels.

    Args:
        split: ``all``, or a split named in ``ROOT/splits.json``.
        root: the folder with ``Sessions/`` and the feature folder.
        dimensions: the label dimensions, in output order.
        target: ``user`` or ``operator`` — whose affect the traces describe.
        feature_dir: the feature folder under ``root``.
        frame_rate: frames per second when a feature file has no ``times``.
        window: cut sessions into windows of this many frames (``None``: whole sessions).
        stride: frames between window starts (default ``window``).

    Each sample: ``id`` (``session`` or ``session/start``), ``session``, ``features``
    ((T, D) float), ``labels`` ((T, K) float, K = len(dimensions)), ``times`` ((T,) seconds).
    """

    def __init__(
        self,
        split: str = "all",
        root: str | Path = "data/semaine",
        dimensions: tuple[str, ...] | list[str] = ALL_DIMENSIONS,
        target: str = "user",
        feature_dir: str = "features",
        frame_rate: float = 50.0,
        window: int | None = None,
        stride: int | None = None,
    ) -> None:
        unknown = [d for d in dimensions if d not in DIMENSIONS.values()]
        if unknown or not dimensions:
            raise DataError(
                f"SEMAINE: unknown dimensions {unknown}; expected {list(DIMENSIONS.values())}"
            )
        if target not in TARGETS:
            raise DataError(f"SEMAINE: target must be one of {list(TARGETS)}, got {target!r}")
        self.root = Path(root)
        self.split = split
        self.dimensions = tuple(dimensions)
        sessions_dir = self.root / "Sessions"
        if not sessions_dir.is_dir():
            raise DataError(f"SEMAINE sessions folder not found: {sessions_dir}")
        sessions = self._sessions(sessions_dir, split)
        self.dropped: dict[str, str] = {}
        self.sessions: list[tuple[str, torch.Tensor, torch.Tensor, torch.Tensor]] = []
        for session in sessions:
            loaded = self._load(
                session, sessions_dir / session, TARGETS[target], feature_dir, frame_rate
            )
            if loaded is not None:
                self.sessions.append(loaded)
        if not self.sessions:
            reasons = "; ".join(f"{s}: {r}" for s, r in list(self.dropped.items())[:3])
            raise DataError(f"SEMAINE {split}: no usable session under {self.root} ({reasons})")
        self._index = self._windows(window, stride)

    def _sessions(self, sessions_dir: Path, split: str) -> list[str]:
        present = sorted((p.name for p in sessions_dir.iterdir() if p.is_dir()), key=_natural)
        if split == "all":
            return present
        path = self.root / "splits.json"
        splits = expect(read_json(path, "SEMAINE splits file"), dict, path, "the top level")
        if split not in splits:
            raise DataError(f"{path}: no split {split!r} (it has {sorted(splits)})")
        wanted = [str(s) for s in expect(splits[split], list, path, split)]
        missing = [s for s in wanted if s not in present]
        if missing:
            raise DataError(
                f"{path}: {split} names session(s) not in {sessions_dir}: {missing[:5]}"
            )
        return wanted

    def _load(
        self, session: str, folder: Path, target: str, feature_dir: str, frame_rate: float
    ) -> tuple[str, torch.Tensor, torch.Tensor, torch.Tensor] | None:
        traces = find_traces(folder, target)
        lacking = [d for d in self.dimensions if d not in traces]
        if lacking:
            self.dropped[session] = f"no trace for {', '.join(lacking)}"
            return None
        candidates = [self.root / feature_dir / f"{session}{ext}" for ext in (".npz", ".npy")]
        feature_file = next((c for c in candidates if c.is_file()), None)
        if feature_file is None:
            self.dropped[session] = f"no feature file {candidates[0]}"
            return None
        features, times = read_features(feature_file, frame_rate)
        columns = []
        for dimension in self.dimensions:
            rated = [np.interp(times, *read_trace(p)) for p in traces[dimension].values()]
            columns.append(np.mean(rated, axis=0))
        labels = np.stack(columns, axis=1).astype(np.float32)
        return (
            session,
            torch.from_numpy(features),
            torch.from_numpy(labels),
            torch.from_numpy(times.astype(np.float32)),
        )

    def _windows(self, window: int | None, stride: int | None) -> list[tuple[int, int, int]]:
        index = []
        for row, (_, features, _, _) in enumerate(self.sessions):
            frames = len(features)
            if window is None:
                index.append((row, 0, frames))
                continue
            step = stride or window
            starts = range(0, max(frames - window, 0) + 1, step)
            index.extend((row, start, min(start + window, frames)) for start in starts)
        return index

    def skip_report(self) -> str | None:
        """One line naming the dropped sessions, or ``None``."""
        if not self.dropped:
            return None
        first = "; ".join(f"{s}: {r}" for s, r in list(self.dropped.items())[:3])
        return f"SEMAINE {self.split}: {len(self.dropped)} session(s) dropped ({first})"

    @property
    def skipped(self) -> int:
        return len(self.dropped)

    def field_values(self, field: str) -> list[Any]:
        """``id``, ``session`` or ``labels`` of every sample."""
        if field == "id":
            return [self._id(entry) for entry in self._index]
        if field == "session":
            return [self.sessions[row][0] for row, _, _ in self._index]
        if field == "labels":
            return [self[i]["labels"] for i in range(len(self))]
        raise KeyError(f"SEMAINE has no field {field!r} to list")

    def _id(self, entry: tuple[int, int, int]) -> str:
        row, start, end = entry
        session, features = self.sessions[row][:2]
        whole = start == 0 and end == len(features)
        return session if whole else f"{session}/{start}"

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row, start, end = self._index[index]
        session, features, labels, times = self.sessions[row]
        return {
            "id": self._id(self._index[index]),
            "session": session,
            "features": features[start:end],
            "labels": labels[start:end],
            "times": times[start:end],
        }


def _natural(name: str) -> tuple[int, str]:
    """Sessions sort numerically when their names are numbers."""
    return (int(name), "") if name.isdigit() else (1 << 30, name)
