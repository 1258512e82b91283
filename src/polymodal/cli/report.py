"""``polymodal report RUN_DIR [--split SPLIT] [--gallery N]``"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a run's HTML report",
        description="Write RUN_DIR/report.html — training curves, accuracy per group and per "
        "class, a confusion matrix and a gallery of right and wrong predictions with their "
        "heatmaps, in one self-contained file — and the PNGs in RUN_DIR/plots/.",
    )
    parser.add_argument("run_dir", help="a run folder written by polymodal train")
    parser.add_argument("--split", help="the evaluated split to analyse (default: test, else val)")
    parser.add_argument(
        "--gallery", type=int, default=8, metavar="N", help="examples in the gallery (default 8)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.errors import PolymodalError
    from polymodal.report import make_report, save_report

    if args.gallery < 0:
        raise PolymodalError(f"--gallery {args.gallery}: expected a count ≥ 0")
    report = make_report(args.run_dir, args.split, args.gallery)
    page = save_report(report, args.run_dir)
    print(f"wrote {page} ({len(report.plots)} plots, {len(report.gallery.items)} examples)")
    for note in report.notes:
        print(f"left out: {note}")
    return 0
