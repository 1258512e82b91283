"""``polymodal explain RUN_DIR --image PATH --question TEXT --out FILE.png``"""

from __future__ import annotations

import argparse
from typing import Any

from polymodal.cli._inputs import add_input_arguments, sample_from_arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show why a trained run answered as it did",
        description="Answer one input with a trained run, write a picture of where it looked "
        "(the question's attention over the image when the model has it, and Grad-CAM for the "
        "answer) and print how much each modality contributed to the answer.",
        epilog="example:\n  polymodal explain runs/easy_vqa --image shape.png "
        "--question 'what color is the shape?' --out why.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", help="a run folder written by polymodal train")
    add_input_arguments(parser)
    parser.add_argument("--out", required=True, help="the PNG file to write")
    parser.add_argument("--answer", help="explain this answer instead of the predicted one")
    parser.add_argument("--checkpoint", default="best", help="best (default) or last")
    parser.add_argument(
        "--no-shapley", action="store_true", help="skip Shapley values (2^M forward passes)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from polymodal.errors import PolymodalError
    from polymodal.interpret import explain, save_explanation
    from polymodal.recipes.predict import Predictor
    from polymodal.recipes.summary import format_table

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise PolymodalError(f"--out {args.out}: the picture is a PNG; name a .png file")
    sample = sample_from_arguments(args)
    predictor = Predictor(args.run_dir, args.checkpoint)
    explanation = explain(predictor, sample, args.answer, shapley=not args.no_shapley)
    ranked = ", ".join(f"{label} {p:.4f}" for label, p in explanation.ranked[:3])
    print(f"answer: {explanation.answer} (p = {explanation.score:.4f}); top: {ranked}")
    header = ["modality", f"p({explanation.answer}) without", "removal effect"]
    if explanation.shapley:
        header.append("Shapley value")
    rows = []
    for modality, effect in explanation.effect.items():
        row = [modality, f"{explanation.removed[modality]:.4f}", f"{effect:+.4f}"]
        if explanation.shapley:
            row.append(f"{explanation.shapley[modality]:+.4f}")
        rows.append(row)
    print(format_table(header, rows))
    print(f"p({explanation.answer}) with every modality removed: {explanation.empty:.4f}")
    if not args.no_shapley and not explanation.shapley:
        print(f"Shapley values skipped: exact values are limited to 4 modalities, not {len(rows)}")
    shown = [
        name
        for name, present in (
            ("question attention", explanation.attention is not None),
            ("Grad-CAM", explanation.gradcam is not None),
        )
        if present
    ]
    save_explanation(explanation, out, args.question)
    print(f"wrote {out}" + (f" ({', '.join(shown)})" if shown else ""))
    return 0
