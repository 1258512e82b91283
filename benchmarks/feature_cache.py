"""Feature caching with a frozen pretrained encoder on easy-VQA: MiniLM (frozen) encodes the
questions, a CNN image encoder trains. Measures, in one invocation:

1. ``polymodal extract`` time for each split (MiniLM over every question once);
2. one training epoch *without* the cache (MiniLM runs on every batch) and one *with* it,
   same config, same data order, no evaluation inside either — their ratio is the speed-up;
3. a full run with the cache: validation and test accuracy.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/feature_cache.py [--config easy_vqa_pretrained] \
        [override ...]

Writes ``benchmarks/results/feature_cache.md`` and ``.json``.
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

from hardware import describe
from polymodal.config import load_config
from polymodal.recipes.feature_caching import extract
from polymodal.recipes.train import train

RESULTS = Path(__file__).resolve().parent / "results"
SPLITS = ("train", "val", "test")


def _config(name: str, overrides: list[str], output: str, extra: list[str]) -> Any:
    return load_config(name, [*overrides, f"output_dir={output}/runs", *extra])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="easy_vqa_pretrained")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    command = "OMP_NUM_THREADS=1 .venv/bin/python " + " ".join(
        ["benchmarks/feature_cache.py", *sys.argv[1:]]
    )
    with tempfile.TemporaryDirectory() as output:
        cache = [f"feature_cache.dir={output}/features"]
        extract_seconds = {}
        for split in SPLITS:
            started = time.perf_counter()
            extract(_config(args.config, args.overrides, output, cache), split)
            extract_seconds[split] = time.perf_counter() - started
        # One epoch each way, without evaluation, so the loop's time is all that differs.
        one_epoch = [
            "training.epochs=1",
            "~data.val",
            "~data.test",
            "training.checkpoint_every=null",
        ]
        uncached = train(
            _config(args.config, args.overrides, output, [*one_epoch, "feature_cache=null"])
        )
        cached = train(_config(args.config, args.overrides, output, [*one_epoch, *cache]))
        full_config = _config(args.config, args.overrides, output, cache)
        started = time.perf_counter()
        full = train(full_config)
        full_wall = time.perf_counter() - started
    result = {
        "config": args.config,
        "overrides": args.overrides,
        "extract_seconds": extract_seconds,
        "epoch_seconds_without_cache": uncached.train_seconds,
        "epoch_seconds_with_cache": cached.train_seconds,
        "speedup": uncached.train_seconds / cached.train_seconds,
        "epochs": int(full_config.training.epochs),
        "full_run_train_seconds": full.train_seconds,
        "full_run_wall_seconds": full_wall,
        "val_accuracy": full.metrics["val"]["accuracy"],
        "test_accuracy": full.metrics["test"]["accuracy"],
        "command": command,
        "hardware": describe(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "feature_cache.json").write_text(json.dumps(result, indent=1))
    table = "\n".join(
        [
            "# Feature caching: frozen MiniLM question encoder on easy-VQA",
            "",
            f"Command: `{command}`  ",
            f"Hardware: {result['hardware']} (shared with other jobs; compare the ratio, "
            "measured in one invocation, rather than absolute times)",
            "",
            "| measurement | value |",
            "|---|---|",
            *[
                f"| extract {s} (MiniLM over every question) | {t:.1f} s |"
                for s, t in extract_seconds.items()
            ],
            f"| one training epoch without the cache | {uncached.train_seconds:.1f} s |",
            f"| one training epoch with the cache | {cached.train_seconds:.1f} s |",
            f"| **speed-up of a frozen-encoder epoch** | **{result['speedup']:.1f}×** |",
            f"| full run with the cache: {result['epochs']} epochs, training time | "
            f"{full.train_seconds:.1f} s |",
            f"| validation accuracy | {result['val_accuracy']:.2f} % |",
            f"| **test accuracy** | **{result['test_accuracy']:.2f} %** |",
        ]
    )
    (RESULTS / "feature_cache.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
