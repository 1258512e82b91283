"""Checkpoints: ``checkpoints/step_XXXXXXX/`` folders, with ``last`` and ``best`` links.

Each folder holds ``model.safetensors`` (the weights) and ``training_state.pt`` (optimizer,
scheduler, random generators and data position — plain tensors and numbers, loaded with
``weights_only=True``). Folders are written whole or not at all; the links are switched
atomically; folders no link points to are removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model, save_model
from torch import nn

from polymodal.errors import CheckpointError
from polymodal.training import atomic

MODEL_FILE = "model.safetensors"
STATE_FILE = "training_state.pt"
LINKS = ("last", "best")


def save_checkpoint(
    directory: str | Path,
    step: int,
    model: nn.Module,
    training_state: dict[str, Any],
    links: tuple[str, ...] = ("last",),
) -> Path:
    """Writes the checkpoint of ``step`` and points ``links`` at it."""
    directory = Path(directory)
    name = f"step_{step:07d}"
    with atomic.folder(directory / name) as staging:
        save_model(model, str(staging / MODEL_FILE))
        torch.save(training_state, staging / STATE_FILE)
    for link in links:
        atomic.point_link(directory / link, name)
    _prune(directory)
    return directory / name


def _prune(directory: Path) -> None:
    kept = {(directory / link).resolve() for link in LINKS if (directory / link).exists()}
    for folder in directory.glob("step_*"):
        if folder.resolve() not in kept:
            shutil.rmtree(folder, ignore_errors=True)


def checkpoint_path(run_dir: str | Path, which: str = "best") -> Path:
    """The folder of a run's ``best`` or ``last`` checkpoint (or a named step folder)."""
    run_dir = Path(run_dir)
    folder = run_dir / "checkpoints" / which
    if not (folder / MODEL_FILE).is_file():
        available = sorted(
            p.name for p in (run_dir / "checkpoints").glob("*") if (p / MODEL_FILE).is_file()
        )
        hint = (
            f" Available: {', '.join(available)}."
            if available
            else (
                " The run has no checkpoint yet: train it first (polymodal train), or resume it "
                "with resume=true."
            )
        )
        raise CheckpointError(f"no checkpoint {which!r} in {run_dir / 'checkpoints'}.{hint}")
    return folder


def load_weights(model: nn.Module, folder: str | Path) -> None:
    """Loads ``model.safetensors`` into ``model``; every key must match."""
    path = Path(folder) / MODEL_FILE
    try:
        missing, unexpected = load_model(model, str(path), strict=False)
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{path}: cannot load weights: {error}") from None
    except RuntimeError as error:  # shapes differ
        raise CheckpointError(
            f"{path} does not match the model built from the config: {error}"
        ) from None
    if missing or unexpected:
        raise CheckpointError(
            f"{path} does not match the model built from the config: "
            f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
        )


def load_training_state(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / STATE_FILE
    try:
        state: dict[str, Any] = torch.load(path, weights_only=True)
    except (OSError, RuntimeError, EOFError) as error:
        raise CheckpointError(f"{path}: cannot load training state: {error}") from None
    return state
