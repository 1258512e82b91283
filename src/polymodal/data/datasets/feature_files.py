"""Feature-set files of the sentiment and emotion benchmarks: pickles, and a safe converted form.

MMSA, MultiBench and MulT distribute CMU-MOSI, CMU-MOSEI and IEMOCAP as one pickle holding
``{"train": {...}, "valid": {...}, "test": {...}}``, each split a dict of arrays with one row
per sample. Loading a pickle runs whatever code it names, so it needs ``trust_pickle=True``;
:func:`convert_pickle` (``polymodal data convert``) writes the same content in a form that
cannot run code:

    OUT/meta.json              {"format": "polymodal.features", "version": 1, "source": ...,
                                "splits": {"train": {"arrays": [...], "strings": [...]}, ...}}
    OUT/<split>.safetensors    every numeric array, unchanged (dtype and shape)
    OUT/<split>.json           every text array (ids, raw text) as lists of strings

A folder in this form loads without ``trust_pickle``.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from polymodal.data.datasets._files import read_json
from polymodal.errors import DataError

FORMAT = "polymodal.features"
VERSION = 1
META = "meta.json"
#: A split's arrays: field name → numeric array, or list of strings.
SplitArrays = dict[str, Any]


def pickle_refused(path: Path) -> DataError:
    return DataError(
        f"{path} is a pickle file, and loading a pickle can run arbitrary code. If you trust "
        f"its source, pass trust_pickle=True (on the command line: --trust-pickle); or convert "
        f"it once with `polymodal data convert {path} OUT_DIR --trust-pickle` and use OUT_DIR, "
        f"which needs no trust"
    )


def load_pickle(path: Path, trust_pickle: bool) -> Any:
    """Loads a pickle the user has said they trust.

    Raises:
        DataError: ``trust_pickle`` is false, the file is missing, or it is not a readable
            pickle (truncated downloads are common).
    """
    if not path.is_file():
        raise DataError(f"feature file not found: {path}")
    if not trust_pickle:
        raise pickle_refused(path)
    for encoding in ("ASCII", "latin1"):
        try:
            with path.open("rb") as handle:
                return pickle.load(handle, encoding=encoding)
        except UnicodeDecodeError:
            continue  # Python 2 pickles of numpy arrays need latin1
        except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError) as error:
            raise DataError(
                f"{path}: cannot read pickle ({type(error).__name__}: {error})"
            ) from None
    raise DataError(f"{path}: cannot decode the pickle's text as ASCII or latin1")


def _is_text(values: Any) -> bool:
    array = np.asarray(values) if isinstance(values, list | tuple) else values
    return isinstance(array, np.ndarray) and array.dtype.kind in ("U", "S", "O")


def _text_list(values: Any) -> list[str]:
    flat = np.asarray(values, dtype=object).reshape(len(values), -1)
    return [
        str(row[0].decode() if isinstance(row[0], bytes) else row[0])
        if row.size == 1
        else " ".join(map(str, row))
        for row in flat
    ]


def _splits_of(data: Any, path: Path) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict) or not data:
        raise DataError(f"{path}: expected a dict of splits ({{'train': {{...}}, ...}})")
    for split, arrays in data.items():
        if not isinstance(arrays, dict):
            raise DataError(
                f"{path}: split {split!r} is a {type(arrays).__name__}; expected a dict of arrays"
            )
    return data


def convert_pickle(source: Path, output: Path, trust_pickle: bool) -> list[Path]:
    """Writes a feature pickle as safetensors + JSON (see the module docstring).

    Returns:
        The files written.
    """
    from safetensors.numpy import save_file

    data = _splits_of(load_pickle(source, trust_pickle), source)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    meta: dict[str, Any] = {"format": FORMAT, "version": VERSION, "source": source.name}
    meta["splits"] = {}
    for split, fields in data.items():
        arrays: dict[str, np.ndarray] = {}
        strings: dict[str, list[str]] = {}
        for name, values in fields.items():
            if _is_text(values):
                strings[name] = _text_list(values)
                continue
            try:
                arrays[name] = np.ascontiguousarray(np.asarray(values))
            except ValueError as error:
                raise DataError(
                    f"{source}: {split}.{name} is not a regular array ({error})"
                ) from None
            if arrays[name].dtype.kind not in "biuf":
                raise DataError(
                    f"{source}: {split}.{name} has dtype {arrays[name].dtype}; "
                    "expected numbers or text"
                )
        save_file(arrays, str(output / f"{split}.safetensors"))
        (output / f"{split}.json").write_text(json.dumps(strings))
        written += [output / f"{split}.safetensors", output / f"{split}.json"]
        meta["splits"][split] = {"arrays": sorted(arrays), "strings": sorted(strings)}
    (output / META).write_text(json.dumps(meta, indent=2))
    return [*written, output / META]


def is_converted(folder: Path) -> bool:
    return folder.is_dir() and (folder / META).is_file()


def read_converted(folder: Path, split: str) -> SplitArrays:
    """One split of a converted folder."""
    from safetensors.numpy import load_file

    meta = read_json(folder / META, "converted feature set metadata")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataError(f"{folder / META}: not a polymodal feature set (format {FORMAT!r})")
    splits = meta.get("splits", {})
    if split not in splits:
        raise DataError(f"{folder}: no split {split!r} (it has {sorted(splits)})")
    tensors = folder / f"{split}.safetensors"
    try:
        arrays: SplitArrays = dict(load_file(str(tensors)))
    except Exception as error:  # safetensors raises its own error types
        raise DataError(f"{tensors}: cannot read ({error})") from None
    strings = read_json(folder / f"{split}.json", "converted feature set text file")
    arrays.update(strings)
    return arrays


class FeatureSource:
    """Where a feature set is: a pickle file, or a converted folder.

    Args:
        root: the pickle file, the converted folder, or a folder holding one pickle.
        file: the pickle's name inside ``root`` (when ``root`` holds several).
        trust_pickle: allow loading a pickle.
        name: the dataset name, for messages.
    """

    def __init__(self, root: str | Path, file: str | None, trust_pickle: bool, name: str) -> None:
        root = Path(root)
        if file is not None:
            root = root / file
        if root.is_dir() and not is_converted(root):
            pickles = sorted(root.glob("*.pkl"))
            if len(pickles) != 1:
                found = ", ".join(p.name for p in pickles) or "none"
                raise DataError(
                    f"{name}: {root} should hold one .pkl file or a converted feature set "
                    f"({META}); found pickles: {found} (choose one with file=)"
                )
            root = pickles[0]
        if not root.exists():
            raise DataError(f"{name} feature file not found: {root}")
        self.path = root
        self.trust_pickle = trust_pickle
        self.name = name

    def split(self, split: str) -> SplitArrays:
        """The arrays of ``split`` (``train``, ``valid``, ``test``)."""
        if is_converted(self.path):
            return read_converted(self.path, split)
        data = _splits_of(load_pickle(self.path, self.trust_pickle), self.path)
        if split not in data:
            raise DataError(f"{self.path}: no split {split!r} (it has {sorted(data)})")
        arrays: SplitArrays = dict(data[split])
        for key, values in arrays.items():
            if _is_text(values):
                arrays[key] = _text_list(values)
        return arrays


def rows(arrays: SplitArrays, key: str, count: int, path: Path, split: str) -> Any:
    """``arrays[key]`` checked to have ``count`` rows."""
    if key not in arrays:
        raise DataError(f"{path}: split {split!r} has no field {key!r} (it has {sorted(arrays)})")
    values = arrays[key]
    if len(values) != count:
        raise DataError(f"{path}: {split}.{key} has {len(values)} rows; expected {count}")
    return values
