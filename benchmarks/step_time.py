"""Time per training step of several configs' models, measured side by side.

    .venv/bin/python benchmarks/step_time.py CONFIG [CONFIG ...] [--rounds 5] [--steps 20]
        [--threads 2] [--override key=value ...] [--variant key=value ...] [--results NAME]

Builds each config's model, task and one real training batch (the first of its training
loader, batch transforms applied), then times forward, loss, backward and the step of the
config's optimizer. The configs take turns — ``--rounds`` rounds of ``--steps`` steps each —
so that a slow spell of a shared machine falls on all of them alike; the table gives each
config's median over the rounds and its ratio to the first config's. ``--override`` applies
to every config (e.g. a dataset root); each ``--variant`` adds, for every config, a row with
that one more override (e.g. ``optimizer.fused=false``). Writes
``benchmarks/results/<NAME>.md`` and ``.json`` with ``--results``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import torch

from hardware import describe
from polymodal.config import instantiate, load_config
from polymodal.data.fields import field_values
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.recipes import components
from polymodal.recipes.settings import data_settings
from polymodal.training.sampling import ResumableSampler
from results_file import write_results


class Stepper:
    """One config's model, optimizer and batch, ready to take training steps."""

    def __init__(self, name: str, overrides: list[str]) -> None:
        config = load_config(name, overrides)
        train = components.build_dataset(config, "train")
        transforms = components.build_transforms(config, train)
        self.task = components.build_task(config, train)
        components.fill_meta(config, transforms, self.task)
        data = data_settings(config)
        # The training sampler, so that grouped questions share their image as in training.
        groups = field_values(train, data.group_by) if data.group_by else None
        sampler = ResumableSampler(
            len(train),  # type: ignore[arg-type]
            seed=0,
            groups=groups,
            group_size=data.group_size if groups else None,
        )
        loader = components.make_loader(
            components.prepared(train, transforms, self.task), data, train=True, sampler=sampler
        )
        batch_transforms = components.build_batch_transforms(config)
        self.batch = apply_batch_transforms(next(iter(loader)), batch_transforms)
        torch.manual_seed(0)
        self.model = components.build_model(config)
        self.model.train()
        # The config's optimizer, as training builds it (its settings — fused or not — are
        # part of a step's cost).
        self.optimizer = instantiate(
            config.optimizer, path="optimizer", params=list(self.model.parameters())
        )
        self.parameters = sum(p.numel() for p in self.model.parameters())

    def run(self, steps: int) -> float:
        """Seconds per step over ``steps`` steps."""
        started = time.perf_counter()
        for _ in range(steps):
            loss = self.task.loss(self.model(self.batch), self.batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--override", action="append", default=[], help="key=value, every config")
    parser.add_argument(
        "--variant", action="append", default=[], help="key=value: one more row per config"
    )
    parser.add_argument("--results", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    steppers = {name: Stepper(name, args.override) for name in args.configs}
    for variant in args.variant:
        for name in args.configs:
            steppers[f"{name} {variant}"] = Stepper(name, [*args.override, variant])
    for stepper in steppers.values():
        stepper.run(3)  # warm-up: allocator, kernels' first calls
    times: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(args.rounds):
        for name, stepper in steppers.items():
            times[name].append(stepper.run(args.steps))

    reference = statistics.median(times[args.configs[0]])
    command = "python benchmarks/step_time.py " + " ".join(
        [*args.configs, f"--rounds {args.rounds}", f"--steps {args.steps}"]
        + [f"--threads {args.threads}"]
        + [f"--override {o}" for o in args.override]
        + [f"--variant {v}" for v in args.variant]
    )
    lines = [
        "# Time per training step, configs side by side",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {describe()}",
        "",
        f"{args.rounds} rounds of {args.steps} steps per config, taking turns; median over the "
        "rounds.",
        "",
        f"| config | parameters | batch | ms / step | vs {args.configs[0]} |",
        "|---|---|---|---|---|",
    ]
    rows: dict[str, Any] = {}
    for name, stepper in steppers.items():
        median = statistics.median(times[name])
        lines.append(
            f"| {name} | {stepper.parameters:,} | {stepper.batch.size} | {1000 * median:.1f} | "
            f"{median / reference:.2f}× |"
        )
        rows[name] = {"seconds_per_step": times[name], "parameters": stepper.parameters}
    table = "\n".join(lines) + "\n"
    print(table)
    if args.results:
        record = {"command": command, "hardware": describe(), "configs": rows}
        write_results(args.results, table, record)


if __name__ == "__main__":
    main()
