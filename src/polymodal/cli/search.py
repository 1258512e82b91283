"""``polymodal search RUN_DIR --images DIR (--query TEXT | --image PATH)``"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search",
        help="rank a folder of images by a text query or an example image",
        description=(
            "Rank the images of a folder by cosine similarity to a text query (text→image) or "
            "to an example image (image→image), with the dual encoder of a retrieval or "
            "pre-training run."
        ),
        epilog=(
            "examples:\n  polymodal search runs/scene_retrieval --images scenes/ --query "
            "'from left to right: a large red metal cube and a small blue rubber sphere.'\n"
            "  polymodal search runs/scene_retrieval --images scenes/ --image scenes/0.png --top 5"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", help="a run folder written by polymodal train or pretrain")
    parser.add_argument("--images", required=True, help="folder of images to rank")
    query = parser.add_mutually_exclusive_group(required=True)
    query.add_argument("--query", help="text to search for")
    query.add_argument("--image", help="an image to find similar images to")
    parser.add_argument("--top", type=int, default=10, help="how many results (default 10)")
    parser.add_argument("--checkpoint", default="best", help="best (default), last or a step")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.errors import PolymodalError
    from polymodal.recipes.search import ImageSearch, image_files

    if args.top < 1:
        raise PolymodalError(f"--top must be ≥ 1, got {args.top}")
    _, others = image_files(args.images)
    if others:
        print(f"not images, left out: {len(others)} file(s) in {args.images}")
    search = ImageSearch(args.run_dir, args.checkpoint)
    matches = search.search(args.images, query=args.query, image=args.image, top_k=args.top)
    for rank, match in enumerate(matches, start=1):
        if args.json:
            print(json.dumps({"rank": rank, "path": str(match.path), "score": match.score}))
        else:
            print(f"{rank:3d}. {match.score:+.4f}  {match.path}")
    return 0
