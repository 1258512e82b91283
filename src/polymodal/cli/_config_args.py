"""Parsing ``[CONFIG] [key=value ...]`` command-line arguments."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from omegaconf import DictConfig

from polymodal.config import load_config

DEFAULT_CONFIG = "easy_vqa"


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``[CONFIG] [key=value ...]`` positional that :func:`load_from_arguments` reads."""
    parser.add_argument(
        "arguments",
        nargs="*",
        metavar="[CONFIG] [key=value]",
        help="config name or path, then overrides (key=value, +new.key=value, ~key)",
    )


def is_override(argument: str) -> bool:
    return "=" in argument or argument.startswith("~")


def load_from_arguments(arguments: Sequence[str], default: str = DEFAULT_CONFIG) -> DictConfig:
    """The first argument is the config (name or path) unless it is an override."""
    if arguments and not is_override(arguments[0]):
        return load_config(arguments[0], arguments[1:])
    return load_config(default, arguments)
