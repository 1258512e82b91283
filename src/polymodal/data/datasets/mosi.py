"""CMU-MOSI and CMU-MOSEI (same format) from the MMSA or MultiBench/MulT feature pickles.

Files (one pickle per feature set; or a folder converted by ``polymodal data convert``)::

    MMSA:        MOSI/Processed/aligned_50.pkl, unaligned_50.pkl (MOSEI likewise)
                 {"train"|"valid"|"test": {id, raw_text, text (N, L, 768 BERT features),
                  text_bert (N, 3, L token ids / mask / segments), audio (N, La, Da),
                  vision (N, Lv, Dv), audio_lengths, vision_lengths (unaligned only),
                  regression_labels (N,), ...}}
    MultiBench:  mosi_data.pkl, mosi_raw.pkl, mosei_senti_data.pkl (MulT's files)
                 {"train"|"valid"|"test": {vision, audio, text (N, L, D), labels (N, 1, 1),
                  id}}

Feature sizes differ between releases (audio 5-d or 74-d COVAREP, vision 20-d or 35/47-d
FACET): they are read from the data (:meth:`MOSI.feature_dims`), never assumed. Audio features
of some releases contain -inf; like MMSA and MultiBench, non-finite values become 0 (counted in
``nonfinite_replaced``; pass ``replace_nonfinite=False`` to keep them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from polymodal.data.datasets._files import split_alias
from polymodal.data.datasets.feature_files import FeatureSource, SplitArrays, rows
from polymodal.errors import DataError

SPLITS = ("train", "valid", "test")
ALIASES = {"val": "valid", "validation": "valid"}
#: Feature sequences: sample field → array key (MMSA and MultiBench agree); lengths are
#: ``<key>_lengths`` when present.
SEQUENCES = {"text_features": "text", "audio": "audio", "vision": "vision"}


def load_sequences(
    arrays: SplitArrays, path: Path, split: str, replace_nonfinite: bool
) -> tuple[dict[str, list[torch.Tensor]], int, int]:
    """The feature sequences of every sample, trimmed to their lengths when given.

    Returns:
        field → one (L_i, D) float tensor per sample; the sample count; and the number of
        non-finite values replaced by 0.
    """
    if "audio" not in arrays or "vision" not in arrays:
        raise DataError(
            f"{path}: split {split!r} needs 'audio' and 'vision' arrays (it has {sorted(arrays)})"
        )
    count = len(arrays["audio"])
    sequences: dict[str, list[torch.Tensor]] = {}
    replaced = 0
    for field, key in SEQUENCES.items():
        if key not in arrays or (key == "text" and np.asarray(arrays[key]).ndim != 3):
            continue
        values = np.asarray(rows(arrays, key, count, path, split), dtype=np.float32)
        if values.ndim != 3:
            raise DataError(
                f"{path}: {split}.{key} has shape {values.shape}; "
                "expected (samples, steps, features)"
            )
        if replace_nonfinite:
            bad = ~np.isfinite(values)
            replaced += int(bad.sum())
            values = np.where(bad, np.float32(0), values)
        lengths = arrays.get(f"{key}_lengths")
        if lengths is not None:
            lengths = np.asarray(rows(arrays, f"{key}_lengths", count, path, split)).astype(int)
        tensor = torch.from_numpy(values)
        sequences[field] = [
            tensor[i, : max(1, int(lengths[i]))] if lengths is not None else tensor[i]
            for i in range(count)
        ]
    return sequences, count, replaced


def ids_of(arrays: SplitArrays, count: int, path: Path, split: str) -> list[str]:
    if "id" not in arrays:
        return [f"{split}/{i}" for i in range(count)]
    return [str(v) for v in rows(arrays, "id", count, path, split)]


class MOSI(Dataset[dict[str, Any]]):
    """CMU-MOSI / CMU-MOSEI sentiment segments as feature sequences with a score in [-3, 3].

    Args:
        split: ``train``, ``valid`` (or ``val``) or ``test``.
        root: the pickle, the converted folder, or a folder holding one pickle.
        file: the pickle's name inside ``root`` when it holds several.
        trust_pickle: allow loading a pickle (it can run code); not needed for converted folders.
        replace_nonfinite: replace NaN/±inf features by 0.
        limit: keep only the first ``limit`` samples.

    Each sample: ``id`` (str), ``text`` (the transcript; MMSA files only),
    ``text_features`` ((L, D) float), ``text_bert`` ((3, L) long; MMSA only), ``audio``
    ((La, Da) float), ``vision`` ((Lv, Dv) float), ``label`` (float sentiment score).
    Unaligned MMSA sequences are trimmed to ``audio_lengths``/``vision_lengths``.
    """

    def __init__(
        self,
        split: str = "train",
        root: str | Path = "data/mosi",
        file: str | None = None,
        trust_pickle: bool = False,
        replace_nonfinite: bool = True,
        limit: int | None = None,
    ) -> None:
        self.split = split_alias(split, ALIASES, SPLITS, "MOSI")
        self.source = FeatureSource(root, file, trust_pickle, "MOSI")
        path = self.source.path
        arrays = self.source.split(self.split)
        self.sequences, count, self.nonfinite_replaced = load_sequences(
            arrays, path, self.split, replace_nonfinite
        )
        label_key = "regression_labels" if "regression_labels" in arrays else "labels"
        labels = np.asarray(rows(arrays, label_key, count, path, self.split), dtype=np.float32)
        if labels.reshape(count, -1).shape[1] != 1:
            raise DataError(
                f"{path}: {self.split}.{label_key} has shape {labels.shape}; expected one "
                "sentiment score per sample"
            )
        self.labels = labels.reshape(count).tolist()
        self.ids = ids_of(arrays, count, path, self.split)
        self.texts: list[str] | None = None
        if "raw_text" in arrays:
            self.texts = [str(t) for t in rows(arrays, "raw_text", count, path, self.split)]
        self.text_bert: torch.Tensor | None = None
        if "text_bert" in arrays:
            bert = np.asarray(rows(arrays, "text_bert", count, path, self.split))
            self.text_bert = torch.from_numpy(bert.astype(np.int64))
        self.count = count if limit is None else min(limit, count)

    def feature_dims(self) -> dict[str, int]:
        """Feature size of each sequence field, read from the data (e.g. audio 5 or 74)."""
        return {field: int(seqs[0].shape[-1]) for field, seqs in self.sequences.items() if seqs}

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample (cheap for ``label``, ``id``, ``text``)."""
        if field == "label":
            return self.labels[: self.count]
        if field == "id":
            return self.ids[: self.count]
        if field == "text" and self.texts is not None:
            return self.texts[: self.count]
        if field in self.sequences:
            return self.sequences[field][: self.count]
        raise KeyError(f"MOSI has no field {field!r} to list")

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        sample: dict[str, Any] = {"id": self.ids[index]}
        if self.texts is not None:
            sample["text"] = self.texts[index]
        for field, sequences in self.sequences.items():
            sample[field] = sequences[index]
        if self.text_bert is not None:
            sample["text_bert"] = self.text_bert[index]
        sample["label"] = self.labels[index]
        return sample
