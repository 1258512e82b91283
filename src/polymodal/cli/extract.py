"""``polymodal extract CONFIG [key=value ...] --split S``"""

from __future__ import annotations

import argparse
from typing import Any

from polymodal.cli._config_args import load_from_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="cache a split's frozen-encoder features",
        description=(
            "Run the frozen encoders named in the config's feature_cache.fields over one "
            "split and store their features (safetensors shards + index.json with a hash of "
            "the encoder, its weights, the preprocessing and the dataset). Training then reads "
            "the features instead of running those encoders."
        ),
        epilog=(
            "examples:\n  polymodal extract easy_vqa_pretrained --split train\n"
            "  polymodal extract easy_vqa_pretrained data.val.limit=500 --split val\n"
            "(overrides come before --split, or all options first)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "arguments",
        nargs="+",
        metavar="CONFIG [key=value]",
        help="config name or path, then overrides",
    )
    parser.add_argument("--split", required=True, help="the dataset split: train, val or test")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.feature_caching import extract

    extract(load_from_arguments(args.arguments), args.split)
    return 0
