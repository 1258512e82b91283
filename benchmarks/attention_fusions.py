"""Accuracy and time of the attention-fusion configs on easy-VQA (ViT + BERT-style question
encoder, trained from scratch): trains each config, one after another, and tabulates test
accuracy, training time and throughput.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/attention_fusions.py \
        [--seed 0] [override ...] [--configs easy_vqa_vit_cross_attention ...]

Results of earlier invocations are kept (keyed by config, seed and overrides), so configs
can be run one at a time; each row records the command that produced it. Writes
``benchmarks/results/attention_fusions.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from hardware import describe
from polymodal.config import load_config
from polymodal.recipes.train import train

RESULTS = Path(__file__).resolve().parent / "results"
CONFIGS = (
    "easy_vqa_vit_cross_attention",
    "easy_vqa_vit_co_attention",
    "easy_vqa_vit_single_stream",
)


def run(name: str, seed: int, overrides: list[str], command: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as output:
        config = load_config(name, [*overrides, f"seed={seed}", f"output_dir={output}"])
        started = time.perf_counter()
        result = train(config)
        wall = time.perf_counter() - started
        weights = load_file(result.run_dir / "checkpoints" / "best" / "model.safetensors")
        parameters = sum(tensor.numel() for tensor in weights.values())
    return {
        "config": name,
        "seed": seed,
        "overrides": overrides,
        "epochs": config.training.epochs,
        "test_accuracy": result.metrics["test"]["accuracy"],
        "val_accuracy": result.metrics["val"]["accuracy"],
        "train_seconds": result.train_seconds,
        "wall_seconds": wall,
        "samples_per_second": result.samples_per_second,
        "parameters": parameters,
        "command": command,
        "hardware": describe(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def _overrides(row: dict[str, Any]) -> str:
    return f" ({' '.join(row['overrides'])})" if row["overrides"] else ""


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# easy-VQA: attention fusions (ViT + BERT-style question encoder, from scratch)",
        "",
        "Each row is one training run of a shipped config; `test acc.` is the accuracy of the",
        "best checkpoint (by val accuracy) on the 9,673 test questions. Times include",
        "per-epoch validation; the machine is shared, so times vary with its load.",
        "",
        "| config | parameters | seed | epochs | test acc. | val acc. | train time (s) | wall (s) "
        "| samples/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['config']}{_overrides(row)} | {row['parameters']:,} | {row['seed']} | "
            f"{row['epochs']} | "
            f"{row['test_accuracy']:.2f} | {row['val_accuracy']:.2f} | "
            f"{row['train_seconds']:.0f} | {row['wall_seconds']:.0f} | "
            f"{row['samples_per_second']:.0f} |"
        )
    lines += ["", "Commands and hardware:", ""]
    for row in rows:
        threads = row.get("omp_num_threads")
        prefix = f"OMP_NUM_THREADS={threads} " if threads else ""
        lines.append(
            f"- {row['config']}{_overrides(row)} (seed {row['seed']}): `{prefix}{row['command']}`  "
        )
        lines.append(f"  {row['hardware']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*", help="config overrides, key=value")
    args = parser.parse_args()
    misplaced = [name for name in args.configs if "=" in name]
    if misplaced:  # `--configs` takes every word after it
        parser.error(f"{misplaced} look like overrides: put overrides before --configs")
    command = "python benchmarks/attention_fusions.py " + " ".join(sys.argv[1:])

    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "attention_fusions.json"
    rows: list[dict[str, Any]] = []
    for name in args.configs:
        torch.manual_seed(args.seed)
        row = run(name, args.seed, list(args.overrides), command.strip())
        print(
            f"{name}: test {row['test_accuracy']:.2f}, val {row['val_accuracy']:.2f}, "
            f"{row['train_seconds']:.0f} s"
        )
        key = (name, args.seed, list(args.overrides))
        # Read just before writing: another invocation may have added rows meanwhile.
        rows = json.loads(store.read_text()) if store.is_file() else []
        rows = [r for r in rows if (r["config"], r["seed"], r["overrides"]) != key] + [row]
        rows.sort(key=lambda r: CONFIGS.index(r["config"]) if r["config"] in CONFIGS else 99)
        store.write_text(json.dumps(rows, indent=1))
        (RESULTS / "attention_fusions.md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
