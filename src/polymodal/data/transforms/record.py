"""What an augmentation did, recorded on the sample when asked (``record=True``).

Every augmentation in this package takes ``record`` (default ``False``). When it is on, the
augmentation adds one short description to the sample's ``augmentations`` field, a string in
which descriptions are joined by `` | `` — ``"hflip(words=2) | crop(x=4, y=0, w=56, h=56)"``
— for debugging and for the run report's sample gallery; :func:`records_of` splits it. In a
batch the field is a list of such strings, one per sample. Samples an augmentation left
unchanged get nothing (or ``... skipped (reason)`` when a cross-modal rule vetoed it), but the
field exists once recording is on, so every sample of a batch has the same fields.

A string rather than a list: ``collate`` turns lists that are all empty into padded token
tensors, and a batch in which no sample was augmented must still collate to strings.

Recording never changes what is drawn: an augmentation makes the same random draws, with the
same results, with and without ``record``.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.batch import INDEX_SUFFIX

RECORD_FIELD = "augmentations"
SEPARATOR = " | "


def describe(name: str, **values: Any) -> str:
    """``name(key=value, ...)`` with floats rounded: the format of every record."""
    if not values:
        return name
    parts = [f"{key}={_format(value)}" for key, value in values.items()]
    return f"{name}({', '.join(parts)})"


def _format(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def records_of(value: str) -> list[str]:
    """A sample's ``augmentations`` string → its descriptions, in order."""
    return value.split(SEPARATOR) if value else []


def _appended(records: str, description: str | None) -> str:
    if not description:
        return records
    return f"{records}{SEPARATOR}{description}" if records else description


def record_sample(sample: MutableMapping[str, Any], description: str | None) -> None:
    """Adds ``description`` to a raw sample's record (creating the field when needed)."""
    sample[RECORD_FIELD] = _appended(sample.get(RECORD_FIELD, ""), description)


def record_rows(
    data: MutableMapping[str, Any],
    descriptions: Sequence[str | None],
    field: str,
    batched: bool,
) -> None:
    """Records one description per row of ``data[field]``.

    On a raw sample (``batched=False``) there is one row. In a batch whose ``field`` is shared
    (``<field>_index`` maps samples to rows), each sample gets its row's description.
    """
    if not batched:
        record_sample(data, descriptions[0])
        return
    index = data.get(f"{field}{INDEX_SUFFIX}")
    rows = index.tolist() if isinstance(index, torch.Tensor) else list(range(len(descriptions)))
    records = list(data.get(RECORD_FIELD) or [""] * len(rows))
    if len(records) != len(rows):
        raise ValueError(
            f"batch field {RECORD_FIELD!r} has {len(records)} rows but the batch has {len(rows)}"
        )
    data[RECORD_FIELD] = [
        _appended(records[sample], descriptions[row]) for sample, row in enumerate(rows)
    ]
