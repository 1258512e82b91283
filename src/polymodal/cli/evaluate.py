"""``polymodal eval RUN_DIR [--split SPLIT] [--checkpoint best|last]``"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate a trained run on a split",
        description="Rebuild a run's model from RUN_DIR/config.yaml and a checkpoint, evaluate "
        "one split, print its metrics and write RUN_DIR/eval/<split>.json.",
    )
    parser.add_argument("run_dir", help="a run folder written by polymodal train")
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument("--checkpoint", default="best", help="best (default), last, or step_N")
    parser.add_argument("--task", help="for a multi-task run: the task to evaluate")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.dispatch import evaluate_any
    from polymodal.recipes.summary import format_table

    result = evaluate_any(args.run_dir, args.split, args.checkpoint, args.task)
    rows = [
        [name, f"{value:.4f}" if name == "loss" else f"{value:.2f}"]
        for name, value in result.metrics.items()
    ]
    print(format_table(["metric", args.split], rows))
    return 0
