"""The default job's accuracy and time: trains the shipped ``easy_vqa`` config with several
seeds and reports test accuracy, training time and throughput.

    .venv/bin/python benchmarks/default_job.py [--seeds 0 1 2] [override ...]

Writes ``benchmarks/results/default_job.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hardware import describe
from polymodal.config import load_config
from polymodal.recipes.train import train

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("overrides", nargs="*", help="config overrides, key=value")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as output:
        for seed in args.seeds:
            config = load_config(
                "easy_vqa", [*args.overrides, f"seed={seed}", f"output_dir={output}"]
            )
            started = time.perf_counter()
            result = train(config)
            wall = time.perf_counter() - started
            rows.append(
                {
                    "seed": seed,
                    "test_accuracy": result.metrics["test"]["accuracy"],
                    "val_accuracy": result.metrics["val"]["accuracy"],
                    "train_seconds": result.train_seconds,
                    "wall_seconds": wall,
                    "samples_per_second": result.samples_per_second,
                    "per_type": {
                        k: v
                        for k, v in result.metrics["test"].items()
                        if k.startswith("accuracy/question_type/")
                    },
                }
            )

    command = "python benchmarks/default_job.py " + " ".join(sys.argv[1:])
    write_results(rows, command.strip(), describe())


def write_results(rows: list[dict[str, Any]], command: str, hardware: str) -> None:
    """Prints the table and writes ``results/default_job.md`` and ``.json``."""
    lines = [
        "# easy-VQA: the default job (`make run`)",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {hardware}",
        "",
        "| seed | test acc. | val acc. | train time (s) | wall time (s) | samples/s |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['seed']} | {row['test_accuracy']:.2f} | {row['val_accuracy']:.2f} | "
            f"{row['train_seconds']:.0f} | {row['wall_seconds']:.0f} | "
            f"{row['samples_per_second']:.0f} |"
        )
    tests = [row["test_accuracy"] for row in rows]
    lines += [
        "",
        f"Test accuracy: mean {statistics.mean(tests):.2f}, min {min(tests):.2f}, "
        f"max {max(tests):.2f} over {len(rows)} seeds.",
        "",
        "Test accuracy per question type (mean over seeds):",
        "",
        "| question type | accuracy |",
        "|---|---|",
    ]
    for key in rows[0]["per_type"]:
        mean = statistics.mean(row["per_type"][key] for row in rows)
        lines.append(f"| {key.removeprefix('accuracy/question_type/')} | {mean:.2f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "default_job.md").write_text(table)
    (RESULTS / "default_job.json").write_text(
        json.dumps({"command": command, "hardware": hardware, "runs": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
