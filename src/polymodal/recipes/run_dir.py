"""The layout of a run folder ``runs/<name>/``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from polymodal.errors import CheckpointError
from polymodal.training import atomic


@dataclass(frozen=True)
class RunDir:
    """Paths inside a run folder.

    ``config.yaml`` (resolved), ``metrics.jsonl``, ``checkpoints/``, ``eval/<split>.json``,
    and ``state/`` — what was fitted on the training split (tokenizer vocabularies, the task's
    label vocabulary) so a run can be rebuilt without its training data.
    """

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def eval_file(self, split: str) -> Path:
        return self.root / "eval" / f"{split}.json"

    def transform_state(self, field: str) -> Path:
        return self.state / f"transform_{field}.json"

    @property
    def task_state(self) -> Path:
        return self.state / "task.json"

    def write_json(self, path: Path, data: Any) -> None:
        atomic.write_text(path, json.dumps(data, indent=1) + "\n")

    def read_json(self, path: Path) -> Any:
        if not path.is_file():
            raise CheckpointError(f"{path} is missing: {self.root} is not a complete run folder")
        return json.loads(path.read_text())

    def save_config(self, config: DictConfig) -> None:
        atomic.write_text(self.config, OmegaConf.to_yaml(config, resolve=True))

    def load_config(self) -> DictConfig:
        if not self.root.is_dir():
            raise CheckpointError(f"run folder not found: {self.root}")
        if not self.config.is_file():
            raise CheckpointError(
                f"{self.root} has no config.yaml: it is not a run folder written by polymodal train"
            )
        loaded = OmegaConf.load(self.config)
        assert isinstance(loaded, DictConfig)
        return loaded


def open_run_folder(config: DictConfig) -> tuple[RunDir, bool]:
    """The run folder ``<output_dir>/<name>`` and whether it holds a checkpoint to resume from.

    With ``resume: true`` it is that folder; otherwise a new one, numbered ``<name>-2``,
    ``<name>-3``, … when the name is taken, so a run never writes into another's folder.
    """
    root = Path(str(config.get("output_dir", "runs"))) / str(config.name)
    if bool(config.get("resume", False)):
        return RunDir(root), (root / "checkpoints" / "last").exists()
    candidate, number = root, 1
    while candidate.exists():
        number += 1
        candidate = root.with_name(f"{root.name}-{number}")
    return RunDir(candidate), False
