"""IEMOCAP (Busso et al. 2008) in the MulT feature pickle (also used by MultiBench).

File: ``iemocap_data.pkl`` (aligned) or ``iemocap_data_noalign.pkl``, or a folder converted by
``polymodal data convert``::

    {"train"|"valid"|"test": {"vision": (N, L, 35), "audio": (N, L, 74), "text": (N, L, 300),
                              "labels": (N, 4, 2)}}

``labels[i, e]`` is a one-hot pair (not present, present) for the emotions neutral, happy, sad
and angry, in that order; the usual evaluation is one binary accuracy/F1 per emotion.
Feature sizes are read from the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from polymodal.data.datasets._files import split_alias
from polymodal.data.datasets.feature_files import FeatureSource, rows
from polymodal.data.datasets.mosi import ALIASES, SPLITS, ids_of, load_sequences
from polymodal.errors import DataError

EMOTIONS = ("neutral", "happy", "sad", "angry")


def emotion_name(present: list[int]) -> str:
    """The single present emotion's name; ``none`` or ``a+b`` otherwise."""
    names = [EMOTIONS[k] for k, flag in enumerate(present) if flag]
    return "+".join(names) if names else "none"


class IEMOCAP(Dataset[dict[str, Any]]):
    """IEMOCAP utterances as feature sequences with four binary emotion labels.

    Args:
        split: ``train``, ``valid`` (or ``val``) or ``test``.
        root: the pickle, the converted folder, or a folder holding one pickle.
        file: the pickle's name inside ``root`` when it holds several.
        trust_pickle: allow loading a pickle (it can run code); not needed for converted folders.
        replace_nonfinite: replace NaN/±inf features by 0.
        limit: keep only the first ``limit`` samples.

    Each sample: ``id``, ``text_features`` ((L, D) float), ``audio``, ``vision``,
    ``labels`` ((4,) float 0/1: neutral, happy, sad, angry) and ``emotion`` (the present
    emotion's name, for single-label classification).
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/iemocap",
        file: str | None = None,
        trust_pickle: bool = False,
        replace_nonfinite: bool = True,
        limit: int | None = None,
    ) -> None:
        self.split = split_alias(split, ALIASES, SPLITS, "IEMOCAP")
        self.source = FeatureSource(root, file, trust_pickle, "IEMOCAP")
        path = self.source.path
        arrays = self.source.split(self.split)
        self.sequences, count, self.nonfinite_replaced = load_sequences(
            arrays, path, self.split, replace_nonfinite
        )
        labels = np.asarray(rows(arrays, "labels", count, path, self.split))
        if labels.shape[1:] != (len(EMOTIONS), 2):
            raise DataError(
                f"{path}: {self.split}.labels has shape {labels.shape}; expected "
                f"(samples, 4, 2): a (not, is) pair for {', '.join(EMOTIONS)}"
            )
        self.labels = torch.from_numpy(labels.argmax(axis=-1).astype(np.float32))
        self.ids = ids_of(arrays, count, path, self.split)
        self.count = count if limit is None else min(limit, count)

    def feature_dims(self) -> dict[str, int]:
        """Feature size of each sequence field, read from the data."""
        return {field: int(seqs[0].shape[-1]) for field, seqs in self.sequences.items() if seqs}

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, cheaply."""
        if field == "emotion":
            return [emotion_name(row) for row in self.labels[: self.count].int().tolist()]
        if field == "labels":
            return list(self.labels[: self.count])
        if field == "id":
            return self.ids[: self.count]
        if field in self.sequences:
            return self.sequences[field][: self.count]
        raise KeyError(f"IEMOCAP has no field {field!r} to list")

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        sample: dict[str, Any] = {"id": self.ids[index]}
        for field, sequences in self.sequences.items():
            sample[field] = sequences[index]
        sample["labels"] = self.labels[index]
        sample["emotion"] = emotion_name(self.labels[index].int().tolist())
        return sample
