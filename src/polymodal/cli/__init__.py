"""The ``polymodal`` command. Each sub-command lives in its own module with a ``register``
function that adds its parser; :func:`main` turns user errors into one clear line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from polymodal.errors import PolymodalError


def build_parser() -> argparse.ArgumentParser:
    # Imported here so that `polymodal --help` stays quick and one broken command cannot
    # break the others' imports at module load.
    from polymodal.cli import (
        configs,
        data,
        evaluate,
        explain,
        extract,
        models,
        predict,
        pretrain,
        report,
        score,
        search,
        train,
        validate,
    )

    parser = argparse.ArgumentParser(
        prog="polymodal",
        description="Multimodal deep learning on PyTorch: train, evaluate, predict, score.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        train,
        evaluate,
        predict,
        validate,
        configs,
        score,
        data,
        explain,
        report,
        pretrain,
        search,
        extract,
        models,
    ):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (2 for user errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.run(args)
    except PolymodalError as error:
        print(f"polymodal {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"polymodal {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(status or 0)
