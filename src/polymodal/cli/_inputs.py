"""The ``--image`` / ``--question`` / ``--text FIELD=TEXT`` inputs of predict and explain."""

from __future__ import annotations

import argparse
from typing import Any


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", help="image file (PNG, JPEG, ...) for the 'image' input")
    parser.add_argument("--question", help="text for the 'question' input")
    parser.add_argument(
        "--text",
        action="append",
        default=[],
        metavar="FIELD=TEXT",
        help="text for another input field (repeatable)",
    )


def sample_from_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The raw sample the inputs describe (the image decoded, texts as given)."""
    from polymodal.data.images import load_image
    from polymodal.errors import PolymodalError

    sample: dict[str, Any] = {}
    if args.image is not None:
        sample["image"] = load_image(args.image)
    if args.question is not None:
        sample["question"] = args.question
    for item in args.text:
        field, separator, text = item.partition("=")
        if not separator:
            raise PolymodalError(f"--text {item!r}: expected FIELD=TEXT")
        sample[field] = text
    return sample
