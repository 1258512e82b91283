"""``metrics.jsonl``: one JSON object per logged training step or evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polymodal.training import atomic


class MetricsLog:
    """Appends rows like ``{"step": 100, "split": "train", "loss": 0.41, ...}``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, row: dict[str, Any]) -> None:
        with self.path.open("a") as file:
            file.write(json.dumps(row) + "\n")
            file.flush()

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        rows = []
        for line in self.path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                break  # a line cut short by a crash: everything after it is not trusted
        return rows

    def truncate_after(self, step: int) -> None:
        """Drops rows logged after ``step`` — a resumed run logs those steps again."""
        kept = [row for row in self.rows() if row.get("step", 0) <= step]
        atomic.write_text(self.path, "".join(json.dumps(row) + "\n" for row in kept))
