"""Multi-task vs single-task at equal compute: VQA + shape + colour on easy-VQA.

Trains the shipped ``easy_vqa_multitask`` config (VQA on image + question, the image's shape
and colour from the image alone; temperature sampling, uncertainty weighting) for ``--steps``
steps. Then trains each task alone — same architecture for its head, same recipe, plain
static weighting — for exactly as many batches as the multi-task run drew for it, so the three
single-task runs together do the same work as the one multi-task run. Every task's test
metric is reported both ways. With ``--variants``, the multi-task run is repeated with static
weights and with PCGrad (round-robin, one batch of every task per step, as many batches in
all) for comparison.

    .venv/bin/python benchmarks/multitask.py [--steps 900] [--seed 0] [--variants] [override ...]

Writes ``benchmarks/results/multitask.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from hardware import describe
from polymodal.config import load_config
from polymodal.recipes.multitask import train_multitask

RESULTS = Path(__file__).resolve().parent / "results"
CONFIG = "easy_vqa_multitask"
UNIMODAL = "polymodal.heads.unimodal.UnimodalHead"


def drawn_batches(run_dir: Path) -> dict[str, int]:
    """task → training batches the run drew, summed from ``metrics.jsonl``."""
    counts: dict[str, int] = {}
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["split"] != "train":
            continue
        for key, value in row.items():
            if key.endswith("/batches"):
                task = key.removesuffix("/batches")
                counts[task] = counts.get(task, 0) + int(value)
    return counts


def single_task_config(base: DictConfig, task: str, steps: int) -> DictConfig:
    """``base`` reduced to one task: its data, its head and the encoders that head reads."""
    config = base.copy()
    node = OmegaConf.to_container(base.tasks[task], resolve=True)  # data may interpolate others
    config.tasks = {task: node}
    head = str(base.tasks[task].task.head)
    config.model.heads = {head: OmegaConf.to_container(base.model.heads[head], resolve=False)}
    head_node = base.model.heads[head]
    if head_node._component_ == UNIMODAL:
        modality = str(head_node.modality)
        config.model.encoders = {
            modality: OmegaConf.to_container(base.model.encoders[modality], resolve=False)
        }
        config.model.fusion = {"_component_": "torch.nn.Identity"}  # never runs
        config.transforms = {
            field: node
            for field, node in (base.get("transforms") or {}).items()
            if field == modality
        }
    config.task_sampling = {"_component_": "polymodal.training.task_sampling.RoundRobin"}
    config.loss_balancing = {"_component_": "polymodal.training.balancing.StaticWeights"}
    config.training.max_steps = steps
    config.training.steps_per_epoch = None
    config.training.best_metric = {f"val/{task}/accuracy": 1.0}
    config.name = f"alone_{task}"
    return config


def run(config: DictConfig) -> dict[str, Any]:
    started = time.perf_counter()
    result = train_multitask(config)
    return {
        "metrics": result.metrics,
        "train_seconds": result.train_seconds,
        "wall_seconds": time.perf_counter() - started,
        "batches": drawn_batches(result.run_dir),
    }


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=900, help="multi-task optimizer steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--variants", action="store_true", help="also static weights and PCGrad, multi-task"
    )
    parser.add_argument("overrides", nargs="*", help="config overrides, key=value")
    args = parser.parse_args(arguments)
    torch.set_num_threads(1)  # shared machine: one thread per process avoids thrashing

    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as output:
        common = [
            *args.overrides,
            f"seed={args.seed}",
            f"output_dir={output}",
            f"training.max_steps={args.steps}",
            "training.log_every=50",
        ]
        base = load_config(CONFIG, common)
        tasks = [str(name) for name in base.tasks]
        runs["multi-task"] = run(load_config(CONFIG, [*common, "name=multitask"]))
        batches = runs["multi-task"]["batches"]
        for task in tasks:
            runs[f"alone: {task}"] = run(single_task_config(base, task, batches[task]))
        if args.variants:
            static = "loss_balancing._component_=polymodal.training.balancing.StaticWeights"
            runs["multi-task, static weights"] = run(
                load_config(CONFIG, [*common, "name=static", static])
            )
            per_step = len(tasks)
            pcgrad = [
                *args.overrides,
                f"seed={args.seed}",
                f"output_dir={output}",
                "name=pcgrad",
                f"training.max_steps={args.steps // per_step}",
                f"training.grad_accumulation={per_step}",
                "training.log_every=20",
                "loss_balancing={_component_: polymodal.training.balancing.PCGrad}",
                "task_sampling={_component_: polymodal.training.task_sampling.RoundRobin}",
            ]
            runs["multi-task, PCGrad"] = run(load_config(CONFIG, pcgrad))

    command = "python benchmarks/multitask.py " + " ".join(sys.argv[1:])
    table = report(runs, tasks, command.strip(), args.steps)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "multitask.md").write_text(table)
    (RESULTS / "multitask.json").write_text(
        json.dumps({"command": command, "hardware": describe(), "runs": runs}, indent=1)
    )


def report(runs: dict[str, dict[str, Any]], tasks: list[str], command: str, steps: int) -> str:
    multi = runs["multi-task"]
    lines = [
        "# Multi-task learning on easy-VQA: VQA + shape + colour",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {describe()} (one PyTorch thread per process)",
        "",
        f"The multi-task run takes {steps} steps of one batch (64) each, the task drawn with "
        "p ∝ n^(1/2) and losses weighted by learned uncertainty. Each task alone trains for "
        "exactly the batches the multi-task run drew for it, so the three single-task runs "
        "together do the work of the one multi-task run. Test split; `best` checkpoint by "
        "validation (multi-task: vqa + ¼ shape + ¼ colour accuracy; alone: its own accuracy).",
        "",
        "| task | test metric | batches | multi-task | alone | Δ |",
        "|---|---|---|---|---|---|",
    ]
    for task in tasks:
        name = f"{task}/accuracy"
        together = multi["metrics"]["test"][name]
        alone = runs[f"alone: {task}"]["metrics"]["test"][name]
        lines.append(
            f"| {task} | accuracy | {multi['batches'][task]} | {together:.2f} | {alone:.2f} | "
            f"{together - alone:+.2f} |"
        )
    alone_seconds = sum(runs[f"alone: {t}"]["train_seconds"] for t in tasks)
    lines += [
        "",
        f"Training time: multi-task {multi['train_seconds']:.0f} s; the three single-task runs "
        f"{alone_seconds:.0f} s together.",
    ]
    others = [name for name in runs if name.startswith("multi-task,")]
    if others:
        lines += [
            "",
            "Other balancing methods (multi-task, test accuracy):",
            "",
            "| run | batches per task | " + " | ".join(tasks) + " | train time (s) |",
            "|---|---|" + "---|" * len(tasks) + "---|",
        ]
        for name in ["multi-task", *others]:
            result = runs[name]
            counts = ", ".join(f"{t} {result['batches'].get(t, 0)}" for t in tasks)
            values = " | ".join(f"{result['metrics']['test'][f'{t}/accuracy']:.2f}" for t in tasks)
            lines.append(f"| {name} | {counts} | {values} | {result['train_seconds']:.0f} |")
    vqa_types = sorted(
        k.removeprefix("vqa/accuracy/question_type/")
        for k in multi["metrics"]["test"]
        if k.startswith("vqa/accuracy/question_type/")
    )
    if vqa_types:
        alone_vqa = runs["alone: vqa"]["metrics"]["test"]
        lines += [
            "",
            "VQA test accuracy per question type:",
            "",
            "| question type | multi-task | alone |",
            "|---|---|---|",
        ]
        for kind in vqa_types:
            key = f"vqa/accuracy/question_type/{kind}"
            lines.append(f"| {kind} | {multi['metrics']['test'][key]:.2f} | {alone_vqa[key]:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
