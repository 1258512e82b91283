"""``polymodal validate [CONFIG] [key=value ...]``"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from polymodal.cli._config_args import add_config_arguments, load_from_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a config without running it",
        description=(
            "Load a config with its overrides, import every _component_ and bind its "
            "arguments to its signature; report every problem with its config path."
        ),
    )
    add_config_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.recipes.dispatch import config_problems

    problems = config_problems(load_from_arguments(args.arguments))
    if problems:
        print(f"{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("config is valid")
    return 0
