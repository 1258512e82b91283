"""The table printed at the end of a run."""

from __future__ import annotations

from pathlib import Path

from polymodal.training.progress import format_seconds


def print_time_limit_stop(
    max_minutes: float | None, step: int, total_steps: int, train_seconds: float
) -> None:
    """Says so when ``training.max_minutes`` ended a run before its last step."""
    if step < total_steps:
        print(
            f"training.max_minutes={max_minutes}: stopped at step {step} of {total_steps} "
            f"after {format_seconds(train_seconds)} of training"
        )


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def print_summary(
    run_dir: Path,
    metrics: dict[str, dict[str, float]],
    train_seconds: float,
    samples_per_second: float,
    checkpoint: str,
    step: int,
) -> None:
    """Prints every metric per split (overall first, then groups), time and throughput."""
    splits = list(metrics)
    names = sorted(
        {name for values in metrics.values() for name in values},
        key=lambda n: (n.count("/"), n != "accuracy", n),
    )
    rows = [
        [name, *(f"{metrics[s][name]:.2f}" if name in metrics[s] else "" for s in splits)]
        for name in names
        if name != "loss"
    ]
    rows.append(["loss", *(f"{metrics[s].get('loss', float('nan')):.4f}" for s in splits)])
    print(f"\nfinal evaluation ({checkpoint} checkpoint, step {step}) — {run_dir}")
    print(format_table(["metric", *splits], rows))
    print(
        f"train time {format_seconds(train_seconds)} ({train_seconds:.1f} s), "
        f"{samples_per_second:.0f} samples/s"
    )
