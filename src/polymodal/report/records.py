"""What a report reads from a run folder: its config, ``metrics.jsonl`` and ``eval/*.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from polymodal.errors import CheckpointError
from polymodal.recipes.run_dir import RunDir
from polymodal.training.metrics_log import MetricsLog


@dataclass(frozen=True)
class RunRecords:
    """A finished run, as recorded on disk.

    Attributes:
        run: the run folder.
        config: the resolved config it was trained with.
        rows: the rows of ``metrics.jsonl`` in order (train steps, validations, final results).
        evaluations: split → the content of ``eval/<split>.json`` (``metrics``, ``predictions``,
            ``checkpoint``, ``step``).
    """

    run: RunDir
    config: DictConfig
    rows: list[dict[str, Any]]
    evaluations: dict[str, dict[str, Any]]

    @property
    def name(self) -> str:
        return str(self.config.get("name", self.run.root.name))

    def split_for_examples(self, preferred: str | None = None) -> str:
        """The split whose predictions the report shows: ``preferred``, else test, else val,
        else the first evaluated one."""
        if preferred is not None:
            if preferred not in self.evaluations:
                raise CheckpointError(
                    f"{self.run.eval_file(preferred)} is missing; evaluated splits: "
                    f"{sorted(self.evaluations)} (run `polymodal eval {self.run.root} "
                    f"--split {preferred}`)"
                )
            return preferred
        for split in ("test", "val"):
            if split in self.evaluations:
                return split
        return sorted(self.evaluations)[0]


def _read_evaluation(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot read an evaluation file: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("predictions"), list):
        raise CheckpointError(f"{path}: expected an object with 'metrics' and 'predictions'")
    if not isinstance(data.get("metrics"), dict):
        raise CheckpointError(f"{path}: expected an object with 'metrics' and 'predictions'")
    return data


def load_run(run_dir: str | Path) -> RunRecords:
    """Reads a run folder written by ``polymodal train``.

    Raises:
        CheckpointError: the folder, its ``config.yaml``, ``metrics.jsonl`` or every
            ``eval/<split>.json`` is missing, or an evaluation file is malformed.
    """
    run = RunDir(Path(run_dir))
    config = run.load_config()
    if not run.metrics.is_file():
        raise CheckpointError(f"{run.metrics} is missing: {run.root} is not a complete run folder")
    rows = MetricsLog(run.metrics).rows()
    files = sorted((run.root / "eval").glob("*.json"))
    if not files:
        raise CheckpointError(
            f"{run.root} has no eval/<split>.json: the run did not finish its final evaluation "
            f"(run `polymodal eval {run.root} --split test` to make one)"
        )
    evaluations = {file.stem: _read_evaluation(file) for file in files}
    return RunRecords(run=run, config=config, rows=rows, evaluations=evaluations)
