"""``polymodal data {list,check,convert,generate}``: datasets on disk.

``list`` shows every dataset and the files it expects; ``check`` validates a folder and
summarises each split (exit status 1 when it finds a problem); ``convert`` turns a feature
pickle into safetensors + JSON; ``generate`` writes a synthetic CLEVR-format folder.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from polymodal.errors import DataError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "data",
        help="list, check, convert and generate datasets",
        description="Datasets in their official formats, read from local folders.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every dataset and where its files are expected")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(run=_list)

    check = actions.add_parser(
        "check",
        help="validate a dataset folder and summarise each split",
        description="Build each split from ROOT and print samples, images (and missing ones), "
        "vocabulary size and label distribution. Exit status 1 when a problem is found.",
    )
    check.add_argument("name", help="dataset name (see `polymodal data list`)")
    check.add_argument(
        "--root", type=Path, help="the dataset folder or feature file (default: the class's)"
    )
    check.add_argument("--split", action="append", dest="splits", help="split to check (repeat)")
    check.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra constructor argument, e.g. --arg file=aligned_50.pkl (YAML value)",
    )
    check.add_argument(
        "--trust-pickle", action="store_true", help="allow loading pickle feature files"
    )
    check.add_argument(
        "--decode-images",
        nargs="?",
        const=-1,
        default=0,
        type=int,
        metavar="N",
        help="decode image files to find broken ones: all, or the first N per split",
    )
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.set_defaults(run=_check)

    convert = actions.add_parser(
        "convert",
        help="convert a feature pickle (MOSI, MOSEI, IEMOCAP) to safetensors + JSON",
        description="Loading a pickle can run code: convert it once, in a process you "
        "trust, and load the converted folder from then on without trust_pickle.",
    )
    convert.add_argument("source", type=Path, help="the .pkl file")
    convert.add_argument("output", type=Path, help="the folder to write")
    convert.add_argument(
        "--trust-pickle", action="store_true", help="confirm you trust the pickle's source"
    )
    convert.set_defaults(run=_convert)

    generate = actions.add_parser(
        "generate",
        help="write a synthetic CLEVR-format folder (images, questions, scenes)",
    )
    generate.add_argument("output", type=Path, help="the folder to write (CLEVR_v1.0 layout)")
    generate.add_argument("--split", default="train")
    generate.add_argument("--images", type=int, default=100)
    generate.add_argument("--questions-per-image", type=int, default=10)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--width", type=int, default=480)
    generate.add_argument("--height", type=int, default=320)
    generate.set_defaults(run=_generate)


def _list(args: argparse.Namespace) -> int:
    from polymodal.data.datasets.catalog import CATALOG

    if args.json:
        rows = [
            {
                "name": e.name,
                "component": e.component,
                "splits": list(e.splits),
                "files": list(e.layout),
                "summary": e.summary,
            }
            for e in CATALOG
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for entry in CATALOG:
        print(f"{entry.name}  ({entry.component})")
        print(f"  {entry.summary}")
        print(f"  splits: {', '.join(entry.splits)}")
        where = "files under --root:" if entry.root_arg else "files:"
        print(f"  {where}")
        for line in entry.layout:
            print(f"    {line}")
    return 0


def _parse_arguments(pairs: list[str]) -> dict[str, Any]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise DataError(f"--arg {pair!r}: expected KEY=VALUE")
        parsed[key] = yaml.safe_load(value)
    return parsed


def _problems(summaries: list[Any], explicit: bool) -> list[str]:
    problems = []
    failed = [s for s in summaries if s.status == "error" or (s.status == "missing" and explicit)]
    if failed:
        problems.append(f"{', '.join(s.split for s in failed)}: {failed[0].status}")
    for s in summaries:
        if s.missing_images:
            problems.append(f"{s.split}: {s.missing_images} image file(s) missing")
        if s.broken_images:
            problems.append(f"{s.split}: {s.broken_images} image file(s) cannot be decoded")
    if not any(s.status == "ok" for s in summaries):
        problems.append("no split could be loaded")
    return problems


def _check(args: argparse.Namespace) -> int:
    from polymodal.data.datasets.catalog import find_entry
    from polymodal.data.datasets.check import check_dataset

    try:
        entry = find_entry(args.name)
    except KeyError as error:
        raise DataError(str(error.args[0])) from None
    arguments = _parse_arguments(args.arg)
    if args.trust_pickle:
        arguments["trust_pickle"] = True
    decode = None if args.decode_images < 0 else args.decode_images
    summaries = check_dataset(entry, args.root, args.splits, arguments, decode)
    problems = _problems(summaries, explicit=bool(args.splits))
    if args.json:
        payload = {
            "dataset": entry.name,
            "component": entry.component,
            "root": str(args.root) if args.root is not None else None,
            "splits": [s.to_dict() for s in summaries],
            "problems": problems,
        }
        print(json.dumps(payload, indent=2))
    else:
        _print_summaries(entry.name, args.root, summaries, problems)
    return 1 if problems else 0


def _print_summaries(
    name: str, root: Path | None, summaries: list[Any], problems: list[str]
) -> None:
    print(f"{name}" + (f" at {root}" if root is not None else ""))
    header = ("split", "samples", "images", "missing", "broken", "vocabulary", "labels")
    rows = [header]
    for s in summaries:
        if s.status != "ok":
            rows.append((s.split, s.status, "", "", "", "", ""))
            continue
        rows.append(
            (
                s.split,
                str(s.samples),
                "-" if s.images is None else str(s.images),
                "-" if s.images is None else str(s.missing_images),
                "-" if s.broken_images is None else f"{s.broken_images}/{s.decoded_images}",
                "-" if s.vocabulary is None else str(s.vocabulary),
                "-" if s.labels is None else str(s.labels),
            )
        )
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    failures: dict[str, list[str]] = {}
    for s in summaries:
        if s.status != "ok":
            failures.setdefault(s.message, []).append(s.split)
    for message, splits in failures.items():
        print(f"{', '.join(splits)}: {message}")
    for s in summaries:
        if s.status != "ok":
            continue
        if s.distribution:
            total = sum(count for _, count in s.distribution)
            shown = ", ".join(f"{label} {count}" for label, count in s.distribution)
            print(f"{s.split} labels (top {len(s.distribution)}, {total} samples): {shown}")
        for key, value in s.details.items():
            print(f"{s.split} {key}: {value}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"  {problem}")
    else:
        print("no problems found")


def _convert(args: argparse.Namespace) -> int:
    from polymodal.data.datasets.feature_files import convert_pickle

    written = convert_pickle(args.source, args.output, args.trust_pickle)
    for path in written:
        print(path)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from polymodal.data.synthetic.datasets import write_clevr

    paths = write_clevr(
        args.output,
        args.split,
        args.images,
        args.questions_per_image,
        args.seed,
        args.width,
        args.height,
    )
    for key, path in paths.items():
        print(f"{key}: {path}")
    return 0
