"""``polymodal train [CONFIG] [key=value ...]``"""

from __future__ import annotations

import argparse
from typing import Any

from polymodal.cli._config_args import DEFAULT_CONFIG, add_config_arguments, load_from_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model from a config",
        description=(
            "Train from a config (a shipped config's name or a YAML path; default "
            f"{DEFAULT_CONFIG!r}), with key=value overrides. Writes runs/<name>/: config.yaml, "
            "metrics.jsonl, checkpoints/, eval/<split>.json."
        ),
        epilog=(
            "examples:\n  polymodal train\n  polymodal train easy_vqa training.epochs=2 "
            "data.batch_size=128\n  polymodal train my.yaml +model.fusion.dropout=0.1\n"
            "  polymodal train easy_vqa name=my_run resume=true   # continue a killed run"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.dispatch import run_training

    run_training(load_from_arguments(args.arguments))
    return 0
