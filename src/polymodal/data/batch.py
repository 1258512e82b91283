"""Batches: how samples become tensors.

A sample is a ``dict[str, Any]``. :func:`collate` turns a list of samples into a :class:`Batch`
field by field: tensors of one shape are stacked; token-id lists and tensors whose first
dimension varies are right-padded into :class:`Padded` (values plus a boolean mask); everything
else (strings, lists of answers, ids) stays a Python list.

A field can be *shared* (:class:`Collate` ``share``): samples with the same key (e.g. several
questions about one image) then contribute one row, and ``<field>_index`` (B,) maps each
sample to its row — the model encodes each image once per batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

INDEX_SUFFIX = "_index"


@dataclass(frozen=True)
class Padded:
    """A batch of variable-length sequences, right-padded.

    Attributes:
        values: (B, N, ...) — token ids (long) or feature vectors; padding positions hold ``0``.
        mask: (B, N) bool — True where a position holds real data.
    """

    values: torch.Tensor
    mask: torch.Tensor

    def to(self, device: torch.device | str) -> Padded:
        return Padded(self.values.to(device), self.mask.to(device))

    @staticmethod
    def of(value: Padded | torch.Tensor) -> Padded:
        """``value`` itself, or a (B, N, ...) tensor as a batch whose every position is real."""
        if isinstance(value, Padded):
            return value
        return Padded(value, torch.ones(value.shape[:2], dtype=torch.bool, device=value.device))

    @property
    def lengths(self) -> torch.Tensor:
        """(B,) number of real positions per sequence."""
        return self.mask.sum(dim=1)


class Batch(dict[str, Any]):
    """A collated batch: field name → stacked tensor, :class:`Padded`, or list."""

    def to(self, device: torch.device | str) -> Batch:
        """Moves every tensor field to ``device`` (lists stay as they are)."""
        return Batch(
            {
                key: value.to(device) if isinstance(value, torch.Tensor | Padded) else value
                for key, value in self.items()
            }
        )

    @property
    def size(self) -> int:
        """The number of samples in the batch (shared fields have fewer rows)."""
        for key, value in self.items():
            if f"{key}{INDEX_SUFFIX}" in self:
                continue
            if isinstance(value, torch.Tensor):
                return int(value.shape[0])
            if isinstance(value, Padded):
                return int(value.values.shape[0])
            if isinstance(value, list):
                return len(value)
        return 0


def pad_sequences(sequences: Sequence[torch.Tensor], pad_value: float = 0) -> Padded:
    """Right-pads tensors of shape (N_i, ...) into a :class:`Padded` of shape (B, max N_i, ...)."""
    lengths = [int(s.shape[0]) for s in sequences]
    longest = max(lengths, default=0)
    first = sequences[0]
    values = first.new_full((len(sequences), longest, *first.shape[1:]), pad_value)
    mask = torch.zeros(len(sequences), longest, dtype=torch.bool)
    for row, (sequence, length) in enumerate(zip(sequences, lengths, strict=True)):
        values[row, :length] = sequence
        mask[row, :length] = True
    return Padded(values, mask)


def _is_token_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, int) for v in value)


def _collate_values(values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, torch.Tensor):
        if first.dim() > 0 and any(v.shape != first.shape for v in values):
            return pad_sequences(values)
        return torch.stack(values)
    # Lists that are all empty carry no ids: keep them as lists (e.g. per-sample notes).
    if all(_is_token_list(v) for v in values) and any(len(v) for v in values):
        return pad_sequences([torch.tensor(v, dtype=torch.long) for v in values])
    return values


def collate(samples: Sequence[Mapping[str, Any]], share: Mapping[str, str] | None = None) -> Batch:
    """Collates samples that have the same fields into a :class:`Batch`.

    Args:
        samples: the samples.
        share: field → key field; samples with equal keys share one row of that field, and
            ``<field>_index`` maps samples to rows.

    Raises:
        ValueError: when samples have different fields (names the fields that differ).
    """
    if not samples:
        raise ValueError("collate() got an empty list of samples")
    keys = list(samples[0].keys())
    for index, sample in enumerate(samples[1:], start=1):
        if set(sample.keys()) != set(keys):
            missing = sorted(set(keys) ^ set(sample.keys()))
            raise ValueError(f"sample {index} has different fields from sample 0: {missing}")
    share = share or {}
    batch = Batch()
    for key in keys:
        if key in share:
            rows: dict[Any, int] = {}
            unique: list[Any] = []
            sample_rows = []
            for sample in samples:
                row = rows.setdefault(sample[share[key]], len(rows))
                if row == len(unique):
                    unique.append(sample[key])
                sample_rows.append(row)
            batch[key] = _collate_values(unique)
            batch[f"{key}{INDEX_SUFFIX}"] = torch.tensor(sample_rows, dtype=torch.long)
        else:
            batch[key] = _collate_values([sample[key] for sample in samples])
    return batch


class Collate:
    """:func:`collate` with fixed ``share`` settings, for a DataLoader's ``collate_fn``."""

    def __init__(self, share: Mapping[str, str] | None = None) -> None:
        self.share = dict(share or {})

    def __call__(self, samples: Sequence[Mapping[str, Any]]) -> Batch:
        return collate(samples, self.share)
