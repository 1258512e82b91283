"""Sort-of-CLEVR *closest* / *furthest*: accuracy by how near the question is to a tie.

    .venv/bin/python benchmarks/sort_of_clevr_margins.py RUN_DIR [--split test] [--results NAME]

The answer to "the shape of the object closest to X" hangs on the difference between the
nearest and the second-nearest distance (the margin, in pixels); when those two objects have
the same shape, a model that mixes them up still answers right. This reads a run's
predictions (``RUN_DIR/eval/<split>.json``, written by ``polymodal train`` or ``polymodal
eval``) and the split's scenes, and prints accuracy per margin band, split by whether the two
candidates differ in shape — the questions where precision decides — and, for those, by how
far the named object lies from the image's centre (a model that ranks objects by how far they
lie along a direction, not by distance, fails where no direction stands out: near the
centre). It also prints the ceiling: the relational accuracy of a model exact beyond a
margin and guessing below it.
Writes ``benchmarks/results/<NAME>.md`` and ``.json`` with ``--results``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from polymodal.data.synthetic.sort_of_clevr import IMAGE_SIZE
from results_file import write_results

BANDS = ((0.0, 1.0), (1.0, 3.0), (3.0, 8.0), (8.0, 15.0), (15.0, math.inf))
CENTRE_BANDS = ((0.0, 12.0), (12.0, 22.0), (22.0, math.inf))
CEILING_MARGINS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)


def band_name(low: float, high: float) -> str:
    return f"{low:g}–{high:g} px" if high != math.inf else f"≥ {low:g} px"


def band_of(value: float, bands: tuple[tuple[float, float], ...]) -> int:
    return next(i for i, (low, high) in enumerate(bands) if low <= value < high)


def margin_and_agreement(
    objects: list[dict[str, Any]], anchor: dict[str, Any], subtype: str
) -> tuple[float, bool]:
    """(|d₁ − d₂|, whether the two candidates share a shape): d₁, d₂ the distances from the
    named object to the nearest two others (the farthest two for ``furthest``)."""
    ranked = sorted(
        (math.dist(anchor["center"], o["center"]), o["shape"]) for o in objects if o is not anchor
    )
    if subtype == "furthest":
        ranked.reverse()
    (first, first_shape), (second, second_shape) = ranked[:2]
    return abs(first - second), first_shape == second_shape


def analyse(run_dir: Path, split: str) -> dict[str, Any]:
    predictions_file = run_dir / "eval" / f"{split}.json"
    if not predictions_file.is_file():
        raise SystemExit(
            f"{predictions_file} not found: run `polymodal eval {run_dir} --split {split}`"
        )
    evaluation = json.loads(predictions_file.read_text())
    predicted = {p["id"]: p["prediction"] for p in evaluation["predictions"]}
    config = OmegaConf.load(run_dir / "config.yaml")
    scenes_file = Path(str(config.data.train.root)) / f"sort_of_clevr_{split}.json"
    scenes = json.loads(scenes_file.read_text())["scenes"]
    cells: dict[tuple[str, int, bool], list[int]] = {}
    by_centre: dict[tuple[str, int], list[int]] = {}
    centre = (IMAGE_SIZE / 2, IMAGE_SIZE / 2)
    relational = 0
    near_ties: dict[float, float] = dict.fromkeys(CEILING_MARGINS, 0.0)
    for scene in scenes:
        for index, question in enumerate(scene["questions"]):
            if question["kind"] != "relational":
                continue
            relational += 1
            if question["subtype"] not in ("closest", "furthest"):
                continue
            anchor = next(o for o in scene["objects"] if o["color"] == question["color"])
            margin, same_shape = margin_and_agreement(scene["objects"], anchor, question["subtype"])
            key = f"{split}/{scene['image_index']}/{index}"
            if key not in predicted:
                raise SystemExit(f"{predictions_file} has no prediction for question {key}")
            right = predicted[key] == question["answer"]
            groups = [
                cells.setdefault((question["subtype"], band_of(margin, BANDS), same_shape), [0, 0])
            ]
            if not same_shape:
                from_centre = band_of(math.dist(anchor["center"], centre), CENTRE_BANDS)
                groups.append(by_centre.setdefault((question["subtype"], from_centre), [0, 0]))
            for counts in groups:
                counts[0] += right
                counts[1] += 1
            for ceiling_margin in CEILING_MARGINS:
                if margin < ceiling_margin and not same_shape:
                    near_ties[ceiling_margin] += 0.5  # a coin toss between two shapes
    return {
        "run": {
            "config": str(config.name),
            "seed": int(config.seed),
            "max_steps": config.training.max_steps,
            "checkpoint": evaluation.get("checkpoint"),
        },
        "split": split,
        "bands": [
            {
                "subtype": subtype,
                "margin": band_name(low, high),
                "candidates": "same shape" if same else "different shapes",
                "correct": cells[(subtype, band, same)][0],
                "questions": cells[(subtype, band, same)][1],
            }
            for subtype in ("closest", "furthest")
            for same in (False, True)
            for band, (low, high) in enumerate(BANDS)
            if (subtype, band, same) in cells
        ],
        "by_centre": [
            {
                "subtype": subtype,
                "distance_from_centre": band_name(low, high),
                "correct": by_centre[(subtype, band)][0],
                "questions": by_centre[(subtype, band)][1],
            }
            for subtype in ("closest", "furthest")
            for band, (low, high) in enumerate(CENTRE_BANDS)
            if (subtype, band) in by_centre
        ],
        "ceiling": {f"{m:g}": 100.0 * (1 - lost / relational) for m, lost in near_ties.items()},
    }


def accuracy_table(rows: list[dict[str, Any]], labels: dict[str, str]) -> list[str]:
    """Markdown lines: a column per ``labels`` (heading → row key), then accuracy and count."""
    lines = [
        "| " + " | ".join([*labels, "accuracy", "questions"]) + " |",
        "|---" * (len(labels) + 2) + "|",
    ]
    for row in rows:
        cells = [str(row[key]) for key in labels.values()]
        cells += [f"{100.0 * row['correct'] / row['questions']:.1f}", str(row["questions"])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(result: dict[str, Any], command: str) -> str:
    run = result["run"]
    lines = [
        "# Sort-of-CLEVR closest / furthest by margin to a tie",
        "",
        f"Command: `{command}`  ",
        f"Run: config `{run['config']}`, seed {run['seed']}, max_steps {run['max_steps']}, "
        f"checkpoint `{run['checkpoint']}`; split `{result['split']}`.",
        "",
        *accuracy_table(
            result["bands"], {"question": "subtype", "candidates": "candidates", "margin": "margin"}
        ),
        "",
        "Questions whose two candidates differ in shape, by the named object's distance from "
        "the image centre:",
        "",
        *accuracy_table(
            result["by_centre"], {"question": "subtype", "from centre": "distance_from_centre"}
        ),
    ]
    lines += [
        "",
        "Ceiling: relational accuracy (count, closest, furthest) of a model exact on every "
        "question whose margin is at least m pixels and guessing between the two shapes below.",
        "",
        "| m (px) | " + " | ".join(result["ceiling"]) + " |",
        "|---|" + "---|" * len(result["ceiling"]),
        "| ceiling | " + " | ".join(f"{v:.2f}" for v in result["ceiling"].values()) + " |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--results", help="write benchmarks/results/<NAME>.md and .json")
    args = parser.parse_args()
    result = analyse(args.run_dir, args.split)
    command = "python benchmarks/sort_of_clevr_margins.py RUN_DIR --split " + args.split
    if args.results:
        command += f" --results {args.results}"
    text = markdown(result, command)
    print(text)
    if args.results:
        write_results(args.results, text, result, indent=2)


if __name__ == "__main__":
    main()
