"""Reading annotation files with errors that name the file and the field.

Every dataset module reads its official files through these helpers, so that a missing file,
a wrong nesting or a missing field always produces the same kind of message:
``<file>: <where>: <what is wrong>; expected <what>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from polymodal.errors import DataError

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "an object",
    bool: "true/false",
}


def find_file(root: Path, candidates: Sequence[str], what: str) -> Path:
    """The first of ``candidates`` (paths relative to ``root``) that exists.

    Raises:
        DataError: none exists; the message lists every place looked at.
    """
    for candidate in candidates:
        path = root / candidate
        if path.is_file():
            return path
    looked = ", ".join(str(root / c) for c in candidates)
    raise DataError(f"{what} not found; looked for {looked}")


def read_json(path: Path, what: str) -> Any:
    """Parses a JSON file.

    Raises:
        DataError: the file is missing or is not valid JSON (names the file).
    """
    if not path.is_file():
        raise DataError(f"{what} not found: {path}")
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error})") from None


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def expect(value: Any, kind: type | tuple[type, ...], path: Path, where: str) -> Any:
    """Returns ``value`` when it has type ``kind``.

    Raises:
        DataError: naming ``path`` and ``where`` (e.g. ``annotations[3].answers``).
    """
    # bool is an int in Python, but a JSON true is never a valid id or count.
    wrong_bool = isinstance(value, bool) and bool not in (
        kind if isinstance(kind, tuple) else (kind,)
    )
    if not isinstance(value, kind) or wrong_bool:
        raise DataError(f"{path}: {where} is {_describe(value)}; expected {_type_name(kind)}")
    return value


def field(
    entry: Any,
    key: str,
    kind: type | tuple[type, ...],
    path: Path,
    where: str,
) -> Any:
    """``entry[key]``, checked to be an object holding ``key`` of type ``kind``.

    Args:
        entry: a parsed JSON object.
        key: the field name.
        kind: the expected type(s) of the value.
        path: the file it came from (for the message).
        where: where ``entry`` is in the file, e.g. ``questions[12]``.

    Raises:
        DataError: ``entry`` is not an object, has no ``key``, or the value has the wrong type.
    """
    if not isinstance(entry, Mapping):
        raise DataError(f"{path}: {where} is {_describe(entry)}; expected an object")
    if key not in entry:
        raise DataError(f"{path}: {where} has no field {key!r}")
    return expect(entry[key], kind, path, f"{where}.{key}")


def optional_field(
    entry: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    path: Path,
    where: str,
    default: Any = None,
) -> Any:
    """Like :func:`field`, but a missing (or null) ``key`` gives ``default``."""
    if entry.get(key) is None:
        return default
    return expect(entry[key], kind, path, f"{where}.{key}")


def existing_files(paths: Iterable[Path]) -> set[Path]:
    """The subset of ``paths`` that exist as files, listing each folder once.

    One directory listing per folder is far cheaper than one ``stat`` per file on the
    hundreds of thousands of images of COCO-scale sets (and on network file systems).
    """
    listings: dict[Path, set[str]] = {}
    found = set()
    for path in paths:
        parent = path.parent
        if parent not in listings:
            try:
                listings[parent] = {e.name for e in os.scandir(parent) if not e.is_dir()}
            except OSError:
                listings[parent] = set()
        if path.name in listings[parent]:
            found.add(path)
    return found


def split_alias(split: str, aliases: Mapping[str, str], allowed: Sequence[str], name: str) -> str:
    """The canonical split name (``val`` → ``valid`` …), or a DataError listing the choices."""
    canonical = aliases.get(split, split)
    if canonical not in allowed:
        choices = sorted(set(allowed) | set(aliases))
        raise DataError(f"{name}: unknown split {split!r}; expected one of {choices}")
    return canonical
