"""Does pre-training help? ITC + ITM + MLM on the scenes' image–text pairs, then VQA on 10 % of
the training questions, against the same model trained from scratch on the same 10 %.

Pre-trains ``scene_pretrain`` once, then for each seed fine-tunes ``scene_vqa_pretrained``
(the image tower from the pre-trained run; ``--config scene_vqa_pretrained_full``: towers and
fusion, a new answer head; ``--config scene_vqa_pretrained_cloze``: towers, fusion and the MLM
head answering) and trains the same config without its ``init_from`` from scratch — the same
architecture, data, schedule and seed. Reports
test accuracy (the ``best`` checkpoint by validation accuracy) both ways, per seed, their mean
and the difference, per question type, and the time each step took. Also checks that no
pre-training scene is a VQA test scene.

    .venv/bin/python benchmarks/pretraining.py [--seeds 0 1 2] [--pretrain key=value ...]
        [--finetune key=value ...] [--output DIR] [--pretrained RUN_DIR]
        [--config scene_vqa_pretrained_full] [--results NAME]

Writes ``benchmarks/results/pretraining.md`` and ``.json`` (``NAME.md`` / ``.json``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from scipy import stats

from hardware import describe
from polymodal.config import instantiate, load_config
from polymodal.recipes.pretrain import pretrain
from polymodal.recipes.train import TrainResult, train
from results_file import write_results


def _scene_key(scene: dict[str, Any]) -> str:
    objects = sorted(
        (o["shape"], o["color"], o["size"], o["material"], tuple(o["3d_coords"]))
        for o in scene["objects"]
    )
    return json.dumps(objects)


def test_scene_overlap(pretrain_config: Any, vqa_config: Any) -> int:
    """How many VQA test scenes also appear among the pre-training scenes (should be 0)."""
    pretraining = instantiate(pretrain_config.data.train)
    test = instantiate(vqa_config.data.test)
    seen = {_scene_key(scene) for scene in pretraining.scenes}
    return sum(_scene_key(scene) in seen for scene in test.scenes)


def scenes_text(setup: dict[str, Any]) -> str:
    """Which scenes pre-training saw: the VQA training split's first N (its 1,000 VQA scenes
    and, beyond them, scenes no VQA question is asked about)."""
    count = setup.get("pretraining_scenes", 1000)
    if count == 1000:
        return "the 1,000 VQA training scenes"
    return f"the training split's first {count:,} scenes (the 1,000 VQA training scenes among them)"


def from_scratch(config_name: str, overrides: list[str]) -> DictConfig:
    """The fine-tuning config without its ``init_from``: the same model, randomly initialised."""
    config = load_config(config_name, overrides)
    del config["init_from"]
    return config


def run(config: DictConfig, recipe: Callable[[DictConfig], TrainResult] = train) -> dict[str, Any]:
    started = time.perf_counter()
    result = recipe(config)
    return {
        "run_dir": str(result.run_dir),
        "metrics": result.metrics,
        "train_seconds": result.train_seconds,
        "wall_seconds": time.perf_counter() - started,
    }


def reuse(run_dir: Path, train_seconds: float | None) -> dict[str, Any]:
    """An existing pre-training run, summarised as :func:`run` would (its training time is not
    in the run folder: pass it as measured, or it is reported as unknown)."""
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    final = [row for row in rows if row["split"] == "final/val"]
    if not final:
        raise SystemExit(f"{run_dir} has no final validation metrics: is it a finished run?")
    skip = ("step", "split")
    return {
        "run_dir": str(run_dir),
        "metrics": {"val": {k: v for k, v in final[-1].items() if k not in skip}},
        "train_seconds": train_seconds,
        "wall_seconds": None,
    }


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--pretrain", nargs="*", default=[], help="scene_pretrain overrides")
    parser.add_argument("--finetune", nargs="*", default=[], help="overrides of both VQA runs")
    parser.add_argument("--output", default=None, help="keep the runs here (default: temporary)")
    parser.add_argument(
        "--pretrained", default=None, help="fine-tune this pre-training run instead of making one"
    )
    parser.add_argument(
        "--pretrained-seconds", type=float, default=None, help="its measured training time"
    )
    parser.add_argument(
        "--config",
        default="scene_vqa_pretrained",
        help="the fine-tuning config (scene_vqa_pretrained: image tower; "
        "scene_vqa_pretrained_full: towers and fusion)",
    )
    parser.add_argument(
        "--results", default="pretraining", help="results file name (without .md / .json)"
    )
    args = parser.parse_args(arguments)
    torch.set_num_threads(1)  # shared machine: one thread per process avoids thrashing

    with tempfile.TemporaryDirectory() as temporary:
        output = args.output or temporary
        pretrain_config = (
            OmegaConf.load(Path(args.pretrained) / "config.yaml")
            if args.pretrained
            else load_config(
                "scene_pretrain", [*args.pretrain, f"output_dir={output}", "name=pretrain"]
            )
        )
        overlap = test_scene_overlap(pretrain_config, load_config(args.config, args.finetune))
        if overlap:
            raise SystemExit(f"{overlap} VQA test scenes are among the pre-training scenes")
        if args.pretrained:
            pretrained = reuse(Path(args.pretrained), args.pretrained_seconds)
        else:
            pretrained = run(pretrain_config, pretrain)
        seeds: dict[int, dict[str, Any]] = {}
        for seed in args.seeds:
            common = [*args.finetune, f"seed={seed}", f"output_dir={output}"]
            seeds[seed] = {
                "scratch": run(from_scratch(args.config, [*common, f"name=scratch_{seed}"])),
                "pretrained": run(
                    load_config(
                        args.config,
                        [
                            *common,
                            f"name=pretrained_{seed}",
                            f"init_from.path={pretrained['run_dir']}",
                        ],
                    )
                ),
            }

    command = "python benchmarks/pretraining.py " + " ".join(sys.argv[1:])
    init_from = load_config(args.config, args.finetune).init_from
    # What the pre-trained run gives the VQA model: the mapped towers and, unless skipped, the
    # fusion (it keeps its name).
    transferred = sorted(str(target) for target in init_from.map.values())
    if "fusion." not in (init_from.get("skip") or []):
        transferred.append("fusion.")
    pretrain_data = pretrain_config.data.train
    setup = {
        "caption_style": str(pretrain_data.style),
        "pretraining_scenes": int(pretrain_data.num_images),
        "transferred": transferred,
        "finetune": [*args.finetune],
        "config": args.config,
    }
    table = report(pretrained, seeds, command.strip(), overlap, setup)
    print(table)
    record = {
        "command": command,
        "hardware": describe(),
        "setup": setup,
        "pretrain": pretrained,
        "seeds": seeds,
    }
    write_results(args.results, table, record)


def _mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {spread:.2f}"


def paired_summary(scratch: list[float], tuned: list[float]) -> str:
    """The seeds' differences as a paired comparison: how many favour pre-training, the mean
    difference's 95 % confidence interval (Student's t, n − 1 degrees of freedom) and the
    paired t-test's two-sided p-value — the same seed fixes the data order and the new
    layers' initialisation in both arms, so the pairs are what to compare."""
    deltas = [b - a for a, b in zip(scratch, tuned, strict=True)]
    mean = statistics.mean(deltas)
    better = sum(d > 0 for d in deltas)
    head = (
        f"Paired over the {len(deltas)} seeds: pre-trained better on {better}; mean Δ {mean:+.2f}"
    )
    if statistics.stdev(deltas) == 0:
        return f"{head}, the same on every seed."
    low, high = stats.t.interval(0.95, len(deltas) - 1, loc=mean, scale=stats.sem(deltas))
    p_value = float(stats.ttest_rel(tuned, scratch).pvalue)
    return f"{head}, 95 % CI [{low:+.2f}, {high:+.2f}]; paired t-test p = {p_value:.3g}."


def report(
    pretrained: dict[str, Any],
    seeds: dict[int, dict[str, Any]],
    command: str,
    overlap: int,
    setup: dict[str, Any],
) -> str:
    val = pretrained["metrics"].get("val", {})
    seconds = pretrained["train_seconds"]
    took = f"took {seconds:.0f} s" if seconds is not None else "ran beforehand"
    lines = [
        "# Pre-training then fine-tuning: scene VQA with 10 % of the training questions",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {describe()} (one PyTorch thread per process; the machine was shared with "
        "other jobs, so times are indicative)",
        "",
        "Pre-training (`scene_pretrain`: ITC + ITM + MLM, weights 1:1:1, on the "
        f"`{setup['caption_style']}` captions of {scenes_text(setup)}) {took}; "
        f"on 200 held-out scenes it ends at text→image R@1 {val.get('t2i_recall@1', 0):.1f}, "
        f"ITM accuracy {val.get('itm_accuracy', 0):.1f} %, MLM accuracy "
        f"{val.get('mlm_accuracy', 0):.1f} %. VQA test scenes among the pre-training scenes: "
        f"{overlap}.",
        "",
        f"Fine-tuning: `{setup['config']}` (from the pre-trained run: "
        f"{', '.join(f'`{part}`' for part in setup['transferred'])}; everything else new) vs "
        "the same config without `init_from` (same model from scratch, same schedule); "
        "1,000 training questions (one per scene), 2,000 test questions on 500 unseen scenes; "
        "test accuracy of the `best` checkpoint by validation accuracy"
        + (
            f"; overrides of both arms: `{' '.join(setup['finetune'])}`."
            if setup["finetune"]
            else "."
        ),
        "",
        "| seed | from scratch | pre-trained | Δ | train time scratch / pre-trained (s) |",
        "|---|---|---|---|---|",
    ]
    scratch = [r["scratch"]["metrics"]["test"]["accuracy"] for r in seeds.values()]
    tuned = [r["pretrained"]["metrics"]["test"]["accuracy"] for r in seeds.values()]
    for (seed, result), a, b in zip(seeds.items(), scratch, tuned, strict=True):
        lines.append(
            f"| {seed} | {a:.2f} | {b:.2f} | {b - a:+.2f} | "
            f"{result['scratch']['train_seconds']:.0f} / "
            f"{result['pretrained']['train_seconds']:.0f} |"
        )
    deltas = [b - a for a, b in zip(scratch, tuned, strict=True)]
    lines.append(
        f"| mean ± sd | {_mean_std(scratch)} | {_mean_std(tuned)} | {_mean_std(deltas)} | |"
    )
    if len(deltas) > 1:
        lines += ["", paired_summary(scratch, tuned)]
    first = next(iter(seeds.values()))
    types = sorted(
        k.removeprefix("accuracy/question_type/")
        for k in first["scratch"]["metrics"]["test"]
        if k.startswith("accuracy/question_type/")
    )
    if types:
        lines += [
            "",
            "Per question type (test accuracy, mean over seeds):",
            "",
            "| question type | from scratch | pre-trained | Δ |",
            "|---|---|---|---|",
        ]
        for name in types:
            key = f"accuracy/question_type/{name}"
            a = statistics.mean(r["scratch"]["metrics"]["test"][key] for r in seeds.values())
            b = statistics.mean(r["pretrained"]["metrics"]["test"][key] for r in seeds.values())
            lines.append(f"| {name} | {a:.1f} | {b:.1f} | {b - a:+.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
