"""``polymodal pretrain [CONFIG] [key=value ...]``"""

from __future__ import annotations

import argparse
from typing import Any

from polymodal.cli._config_args import add_config_arguments, load_from_arguments

DEFAULT_PRETRAIN_CONFIG = "scene_pretrain"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pretrain",
        help="pre-train an image–text model (ITC, ITM, MLM)",
        description=(
            "Pre-train from a config (default "
            f"{DEFAULT_PRETRAIN_CONFIG!r}) with any weighted combination of image–text "
            "contrastive (itc), matching (itm) and masked language modelling (mlm) losses. "
            "Writes a run folder like train; start a task from it with init_from."
        ),
        epilog=(
            "examples:\n  polymodal pretrain\n"
            "  polymodal pretrain scene_pretrain task.weights.mlm=0.5 training.epochs=1\n"
            "  polymodal train scene_vqa_pretrained init_from.path=runs/scene_pretrain"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.pretrain import pretrain

    pretrain(load_from_arguments(args.arguments, DEFAULT_PRETRAIN_CONFIG))
    return 0
