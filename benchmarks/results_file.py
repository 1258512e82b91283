"""Where a benchmark writes what it measured: ``benchmarks/results/<name>.md`` (the table
printed) and ``<name>.json`` (the numbers behind it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(name: str, markdown: str, record: Any, indent: int = 1) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(markdown)
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=indent) + "\n")
