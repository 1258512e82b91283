"""The table printed at the end of a multi-task run: every task's metrics, split by split."""

from __future__ import annotations

from pathlib import Path

from polymodal.recipes.summary import format_table
from polymodal.training.progress import format_seconds


def _order(name: str) -> tuple[bool, int, bool, str]:
    return (name == "loss", name.count("/"), name != "accuracy", name)


def multitask_table(metrics: dict[str, dict[str, float]], tasks: list[str]) -> str:
    """split → ``<task>/<metric>`` → value, as rows (task, metric, one column per split):
    tasks in config order, each with its overall metrics first and its loss last."""
    splits = list(metrics)
    rows = []
    for task in tasks:
        prefix = f"{task}/"
        names = {
            n.removeprefix(prefix) for v in metrics.values() for n in v if n.startswith(prefix)
        }
        for name in sorted(names, key=_order):
            cells = []
            for split in splits:
                value = metrics[split].get(prefix + name)
                cells.append(
                    "" if value is None else f"{value:.4f}" if name == "loss" else f"{value:.2f}"
                )
            rows.append([task, name, *cells])
    return format_table(["task", "metric", *splits], rows)


def print_multitask_summary(
    run_dir: Path,
    metrics: dict[str, dict[str, float]],
    tasks: list[str],
    train_seconds: float,
    samples_per_second: float,
    checkpoint: str,
    step: int,
) -> None:
    """Prints every task's metrics per split, time and throughput."""
    print(f"\nfinal evaluation ({checkpoint} checkpoint, step {step}) — {run_dir}")
    print(multitask_table(metrics, tasks))
    print(
        f"train time {format_seconds(train_seconds)} ({train_seconds:.1f} s), "
        f"{samples_per_second:.0f} samples/s"
    )
