"""``polymodal configs``"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "configs",
        help="list the shipped configs",
        description="List the configs that ship with polymodal, with their first comment line.",
    )
    parser.set_defaults(run=run)


def _summary(path: Any) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            return str(line.lstrip("# ").strip())
    return ""


def run(args: argparse.Namespace) -> int:
    from polymodal.config.loading import SHIPPED_CONFIGS, shipped_configs

    for name in shipped_configs():
        print(f"{name:28s} {_summary(SHIPPED_CONFIGS / f'{name}.yaml')}")
    return 0
