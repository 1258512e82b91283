"""Data augmentation in low-data training: accuracy with and without it, over seeds.

Two experiments, each run one training at a time on the CPU (or ``device=cuda``):

- ``easy-vqa``: the default easy-VQA job on 10 % of its training questions, without
  augmentation and with the ``augment:`` section of the shipped ``easy_vqa_augmented`` config.
- ``spatial``: left/right questions about two-object scenes
  (:class:`polymodal.data.synthetic.augment_spatial.SpatialPairs`), trained without
  augmentation, with a naive horizontal flip (image only) and with the consistent flip that
  swaps "left"/"right" in the question and answer.

    .venv/bin/python benchmarks/augmentation.py {easy-vqa,spatial,table} [--seeds 0 1 2]
        [--epochs N] [override ...]

Each experiment writes ``results/augmentation_<experiment>.json``; every call rewrites
``results/augmentation.md`` from the JSON files present.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from hardware import describe
from polymodal.config import load_config
from polymodal.config.loading import apply_overrides
from polymodal.recipes.train import train

RESULTS = Path(__file__).resolve().parent / "results"
EASY_VQA_TRAIN_QUESTIONS = 3470  # 10 % of the 34,7xx training questions left after val

# One object per image: the question asks which half of the image it is in, its colour or
# its shape. (With two objects, binding each colour to its object takes this model far longer
# than a CPU benchmark can afford; the flip's effect on the answers is the same.)
SPATIAL_KINDS = ["side", "relation", "color", "shape"]
SPATIAL_DATA = {
    split: {
        "split": split,
        "num_images": images,
        "questions_per_image": 4,
        "num_objects": 1,
        "kinds": SPATIAL_KINDS,
    }
    for split, images in (("train", 300), ("val", 100), ("test", 500))
}
# Spatial questions need a model that knows where things are: the default easy-VQA model
# max-pools its CNN features, which forgets positions, so the image gets two coordinate
# channels (CoordConv) before the CNN.
SPATIAL_BASE = "easy_vqa"
SPATIAL_MODEL = [
    "+transforms.image._component_=polymodal.data.transforms.coordinates.AddCoordinates",
    "+batch_transforms.image.mean=[0.5,0.5,0.5,0.5,0.5]",
    "+batch_transforms.image.std=[0.5,0.5,0.5,0.5,0.5]",
    "+model.encoders.image.in_channels=5",
]
SPATIAL_CONDITIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "naive flip": {
        "flip": {"_component_": "polymodal.data.transforms.RandomHorizontalFlip", "p": 0.5}
    },
    "consistent flip": {
        "flip": {"_component_": "polymodal.data.transforms.ConsistentHorizontalFlip", "p": 0.5}
    },
}


def _run(config: Any) -> dict[str, Any]:
    started = time.perf_counter()
    result = train(config)
    test = result.metrics["test"]
    return {
        "test_accuracy": test["accuracy"],
        "val_accuracy": result.metrics["val"]["accuracy"],
        "per_type": {
            k.removeprefix("accuracy/question_type/"): v
            for k, v in test.items()
            if k.startswith("accuracy/question_type/")
        },
        "train_seconds": result.train_seconds,
        "wall_seconds": time.perf_counter() - started,
    }


EDA_AUGMENT = {
    "text": {"_component_": "polymodal.data.transforms.EDA", "rate": 0.1, "p": 0.5},
}


FLIP = {"_component_": "polymodal.data.transforms.ConsistentHorizontalFlip", "p": 0.5}
AFFINE = {
    "_component_": "polymodal.data.transforms.RandomAffine",
    "degrees": 10,
    "translate": [0.08, 0.08],
    "scale": [0.9, 1.1],
}
JITTER = {
    "_component_": "polymodal.data.transforms.ConsistentColorJitter",
    "brightness": 0.2,
    "contrast": 0.2,
    "saturation": 0.2,
    "hue": 0.02,
}
#: Condition name → ``augment:`` section.
EASY_VQA_CONDITIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "flip (easy_vqa_augmented)": {"flip": FLIP},
    "flip + affine": {"flip": FLIP, "affine": AFFINE},
    "flip + colour jitter": {"flip": FLIP, "jitter": JITTER},
    "flip + affine + colour jitter": {"flip": FLIP, "affine": AFFINE, "jitter": JITTER},
    "flip + affine + colour jitter + EDA": {
        "flip": FLIP,
        "affine": AFFINE,
        "jitter": JITTER,
        **EDA_AUGMENT,
    },
}


def easy_vqa(
    seeds: list[int],
    epochs: int,
    overrides: list[str],
    output: str,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    conditions = EASY_VQA_CONDITIONS
    rows = []
    for seed in seeds:
        for number, (condition, augment) in enumerate(conditions.items()):
            if only and condition not in only:
                continue
            config = load_config(
                "easy_vqa",
                [
                    f"data.train.limit={EASY_VQA_TRAIN_QUESTIONS}",
                    "data.val.limit=1000",
                    f"training.epochs={epochs}",
                    "training.checkpoint_every=null",
                    f"seed={seed}",
                    f"output_dir={output}",
                    f"name=aug-easy-{number}-{seed}",
                    *overrides,
                ],
            )
            config.augment = augment
            row = {"seed": seed, "condition": condition, **_run(config)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def spatial(
    seeds: list[int],
    epochs: int,
    overrides: list[str],
    output: str,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for seed in seeds:
        for condition, augment in SPATIAL_CONDITIONS.items():
            if only and condition not in only:
                continue
            config = load_config(
                SPATIAL_BASE,
                [
                    *SPATIAL_MODEL,
                    f"training.epochs={epochs}",
                    "training.checkpoint_every=null",
                    f"seed={seed}",
                    f"output_dir={output}",
                    f"name=aug-spatial-{condition.replace(' ', '-')}-{seed}",
                ],
            )
            for split, arguments in SPATIAL_DATA.items():
                config.data[split] = {
                    "_component_": "polymodal.data.synthetic.augment_spatial.SpatialPairs",
                    **arguments,
                    "seed": 0,  # the data stay fixed; the seed varies the training
                }
            config.augment = augment
            apply_overrides(config, overrides)
            row = {"seed": seed, "condition": condition, **_run(config)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def _mean_std(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def _section(title: str, result: dict[str, Any], types: list[str], note: str) -> list[str]:
    rows = result["runs"]
    conditions = list(dict.fromkeys(row["condition"] for row in rows))
    seeds = sorted({row["seed"] for row in rows})
    lines = [
        f"## {title}",
        "",
        f"Command: `{result['command']}`  ",
        f"Hardware: {result['hardware']}  ",
        f"Seeds: {', '.join(map(str, seeds))}; {note}",
        "",
        "| augmentation | test acc. | " + " | ".join(types) + " | train time (s) |",
        "|---|---|" + "---|" * len(types) + "---|",
    ]
    for condition in conditions:
        runs = [row for row in rows if row["condition"] == condition]
        cells = [_mean_std([row["per_type"][t] for row in runs]) for t in types]
        seconds = statistics.mean(row["train_seconds"] for row in runs)
        lines.append(
            f"| {condition} | {_mean_std([row['test_accuracy'] for row in runs])} | "
            + " | ".join(cells)
            + f" | {seconds:.0f} |"
        )
    lines += [
        "",
        "Per seed (test accuracy):",
        "",
        "| augmentation | " + " | ".join(f"seed {s}" for s in seeds) + " |",
    ]
    lines.append("|---|" + "---|" * len(seeds))
    for condition in conditions:
        by_seed = {
            row["seed"]: row["test_accuracy"] for row in rows if row["condition"] == condition
        }
        lines.append(f"| {condition} | " + " | ".join(f"{by_seed[s]:.2f}" for s in seeds) + " |")
    return [*lines, ""]


def write_table() -> str:
    lines = [
        "# Data augmentation in low-data training",
        "",
        "Accuracy (%) on the test split, mean ± standard deviation over seeds, overall and per",
        "question type. Produced by `benchmarks/augmentation.py`; each run is one training from",
        "scratch of the default easy-VQA model (CNN + GRU, concatenation, MLP).",
        "",
    ]
    easy = RESULTS / "augmentation_easy_vqa.json"
    if easy.is_file():
        result = json.loads(easy.read_text())
        order = list(EASY_VQA_CONDITIONS)
        result["runs"].sort(key=lambda row: (order.index(row["condition"]), row["seed"]))
        types = list(result["runs"][0]["per_type"])
        note = (
            f"{EASY_VQA_TRAIN_QUESTIONS} training questions (10 %), full test split "
            "(9,673 questions). flip: `ConsistentHorizontalFlip(p=0.5)`; affine: "
            "`RandomAffine(degrees=10, translate=[0.08, 0.08], scale=[0.9, 1.1])`; colour "
            "jitter: `ConsistentColorJitter(0.2, 0.2, 0.2, hue=0.02)` (skips colour "
            "questions); EDA: `EDA(rate=0.1, p=0.5)` on the question. "
            f"{result.get('epochs')} epochs."
        )
        if result.get("note"):
            note += f" {result['note']}."
        lines += _section("easy-VQA, 10 % of the training data", result, types, note)
        baseline = [row for row in result["runs"] if row["condition"] == "none"]
        for condition in dict.fromkeys(row["condition"] for row in result["runs"]):
            if condition == "none":
                continue
            gains = [
                row["test_accuracy"] - base["test_accuracy"]
                for row in result["runs"]
                if row["condition"] == condition
                for base in baseline
                if base["seed"] == row["seed"]
            ]
            lines.append(
                f"- {condition} vs none, same seed: {statistics.mean(gains):+.2f} points "
                f"(per seed: {', '.join(f'{g:+.2f}' for g in gains)})"
            )
        lines.append("")
    spatial_file = RESULTS / "augmentation_spatial.json"
    if spatial_file.is_file():
        result = json.loads(spatial_file.read_text())
        note = (
            "SpatialPairs with one object per image: 300 training images × 4 questions, "
            "2,000 test questions; `side` (left / right?) and `relation` (on the left?) are "
            "spatial, `color` and `shape` are not. "
            f"{result.get('epochs')} epochs; images rendered at 64 px and fed to the CNN at 32 px "
            "with two coordinate channels (`AddCoordinates`)."
        )
        types = SPATIAL_KINDS
        lines += _section("Spatial questions: naive vs consistent flip", result, types, note)
        lines += ["Left/right questions (`side` and `relation`), mean over seeds:", ""]
        for condition in dict.fromkeys(row["condition"] for row in result["runs"]):
            runs = [row for row in result["runs"] if row["condition"] == condition]
            spatial_mean = statistics.mean(
                (row["per_type"]["side"] + row["per_type"]["relation"]) / 2 for row in runs
            )
            lines.append(f"- {condition}: {spatial_mean:.1f} % (chance: 50 %)")
        lines.append("")
    table = "\n".join(lines)
    (RESULTS / "augmentation.md").write_text(table)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=["easy-vqa", "spatial", "table"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--conditions",
        nargs="+",
        default=None,
        help="run only these conditions and add their rows to the experiment's results",
    )
    parser.add_argument("overrides", nargs="*", help="config overrides, key=value")
    args = parser.parse_args()
    # Other processes share the cores: one thread avoids OpenMP busy-waiting.
    torch.set_num_threads(1)
    RESULTS.mkdir(exist_ok=True)
    if args.experiment != "table":
        epochs = args.epochs or (15 if args.experiment == "easy-vqa" else 20)
        run = easy_vqa if args.experiment == "easy-vqa" else spatial
        with tempfile.TemporaryDirectory() as output:
            rows = run(args.seeds, epochs, args.overrides, output, args.conditions)
        command = "python benchmarks/augmentation.py " + " ".join(
            f"'{a}'" if " " in a else a for a in sys.argv[1:]
        )
        path = RESULTS / f"augmentation_{args.experiment.replace('-', '_')}.json"
        if args.conditions and path.is_file():  # add these rows to the earlier ones
            earlier = json.loads(path.read_text())
            done = {(row["seed"], row["condition"]) for row in rows}
            rows = [r for r in earlier["runs"] if (r["seed"], r["condition"]) not in done] + rows
            command = f"{earlier['command']}` and `{command}"
        result = {"command": command, "hardware": describe(), "epochs": epochs, "runs": rows}
        path.write_text(json.dumps(result, indent=1))
    print(write_table())


if __name__ == "__main__":
    main()
