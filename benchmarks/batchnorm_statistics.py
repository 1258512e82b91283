"""Are a run's batch-norm running statistics stale? Recompute them, evaluate again.

    .venv/bin/python benchmarks/batchnorm_statistics.py RUN_DIR [--batches 200]
        [--split test] [--checkpoint best] [--results NAME]

Batch norm evaluates with running averages of the batch statistics, updated with momentum
while the weights moved; if the last weights see different statistics than the average
remembers, evaluation suffers. This loads a run's checkpoint, evaluates the split, then
recomputes every batch-norm layer's statistics as a plain average over ``--batches`` shuffled
training batches of the final weights (nothing else changes: no gradient, every other module in
eval mode) and evaluates again. Prints both metric sets, side by side, with how far the
statistics moved. Writes ``benchmarks/results/<NAME>.md`` and ``.json`` with ``--results``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import RandomSampler

from hardware import describe
from polymodal.data.batch import Batch
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.recipes import components
from polymodal.recipes.evaluate import evaluate
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import data_settings
from polymodal.training.checkpoint import checkpoint_path, load_weights
from results_file import write_results


@torch.no_grad()
def recompute(model: nn.Module, batches: Iterable[Batch]) -> float:
    """Replaces each batch-norm layer's running mean and variance by their average over
    ``batches``; returns the largest change of a running mean, relative to its scale."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        raise SystemExit("the model has no batch-norm layer")
    before = [norm.running_mean.clone() for norm in norms]  # type: ignore[union-attr]
    model.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a cumulative average over every batch seen
        norm.train()
    for batch in batches:
        model(batch)
    model.eval()
    return max(
        float((norm.running_mean - old).abs().max() / old.abs().max().clamp_min(1e-8))  # type: ignore[operator]
        for norm, old in zip(norms, before, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--batches", type=int, default=200, help="training batches to average")
    parser.add_argument("--split", default="test")
    parser.add_argument("--checkpoint", default="best")
    parser.add_argument("--results", default=None, help="results file name (no extension)")
    args = parser.parse_args()

    run = RunDir(args.run_dir)
    config = run.load_config()
    transforms = components.build_transforms(config, run=run)
    task = components.build_task(config, run=run)
    model = components.build_model(config)
    load_weights(model, checkpoint_path(run.root, args.checkpoint))
    batch_transforms = components.build_batch_transforms(config)
    settings = data_settings(config)

    def scores() -> dict[str, float]:
        split = components.prepared(components.build_dataset(config, args.split), transforms, task)
        loader = components.make_loader(split, settings)
        cpu = torch.device("cpu")
        return evaluate(model, task, loader, cpu, batch_transforms).metrics

    before = scores()
    train = components.prepared(components.build_dataset(config, "train"), transforms, task)
    sampler = RandomSampler(train, generator=torch.Generator().manual_seed(0))
    loader = components.make_loader(train, settings, train=True, sampler=sampler)
    batches = (apply_batch_transforms(batch, batch_transforms) for batch in loader)
    moved = recompute(model, islice(batches, args.batches))
    after = scores()

    command = "python benchmarks/batchnorm_statistics.py " + " ".join(
        [str(args.run_dir), f"--batches {args.batches}", f"--split {args.split}"]
    )
    lines = [
        f"# Batch-norm statistics recomputed: {args.run_dir.name}",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {describe()}",
        "",
        f"Statistics over {args.batches} training batches; the running means moved by at most "
        f"{100 * moved:.2f} % of their largest value.",
        "",
        f"| {args.split} metric | running statistics | recomputed | Δ |",
        "|---|---|---|---|",
    ]
    for name, value in before.items():
        lines.append(f"| {name} | {value:.2f} | {after[name]:.2f} | {after[name] - value:+.2f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.results:
        record = {"command": command, "moved": moved, "before": before, "after": after}
        write_results(args.results, table, record)


if __name__ == "__main__":
    main()
