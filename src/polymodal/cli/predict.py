"""``polymodal predict RUN_DIR --image PATH --question TEXT``"""

from __future__ import annotations

import argparse
from typing import Any

from polymodal.cli._inputs import add_input_arguments, sample_from_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="answer one input with a trained run",
        description="Load a trained run and print its top predictions with probabilities.",
        epilog="example:\n  polymodal predict runs/easy_vqa --image shape.png "
        "--question 'what color is the shape?'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", help="a run folder written by polymodal train")
    add_input_arguments(parser)
    parser.add_argument("--top-k", type=int, default=5, help="how many answers (default 5)")
    parser.add_argument("--checkpoint", default="best", help="best (default) or last")
    parser.add_argument("--task", help="for a multi-task run: the task to predict")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.dispatch import load_predictor

    sample = sample_from_arguments(args)
    predictor = load_predictor(args.run_dir, args.checkpoint, args.task)
    for rank, (label, probability) in enumerate(predictor.predict(sample, args.top_k), start=1):
        print(f"{rank}. {label:20s} {probability:.4f}")
    return 0
