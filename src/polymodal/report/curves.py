"""Training curves from ``metrics.jsonl``: loss, validation metrics and learning rate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from polymodal.interpret.figures import new_figure, png_bytes
from polymodal.report.plot import Plot

MAX_METRIC_PANELS = 6


def _series(rows: Sequence[dict[str, Any]], split: str, key: str) -> tuple[list[int], list[float]]:
    steps, values = [], []
    for row in rows:
        value = row.get(key)
        if row.get("split") == split and isinstance(value, int | float) and "step" in row:
            steps.append(int(row["step"]))
            values.append(float(value))
    return steps, values


def loss_plot(rows: Sequence[dict[str, Any]]) -> Plot | None:
    """Training loss per logged step and validation loss per evaluation (``None`` without
    any loss logged)."""
    train = _series(rows, "train", "loss")
    val = _series(rows, "val", "loss")
    if not train[0] and not val[0]:
        return None
    figure = new_figure(6.4, 3.6)
    axes = figure.add_subplot()
    if train[0]:
        axes.plot(*train, label="train (mean since last log)", linewidth=1.5)
    if val[0]:
        axes.plot(*val, "o-", label="validation", linewidth=1.5)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.grid(alpha=0.3)
    axes.legend()
    return Plot("loss", "training", "Loss", png_bytes(figure))


def validation_metric_names(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Overall validation metrics (no per-group ``/`` names, no loss), the accuracy first."""
    names: dict[str, None] = {}
    for row in rows:
        if row.get("split") == "val":
            for key, value in row.items():
                if key in ("step", "epoch", "split", "loss") or "/" in key:
                    continue
                if isinstance(value, int | float):
                    names[key] = None
    return sorted(names, key=lambda name: (name != "accuracy", name))


def metrics_plot(rows: Sequence[dict[str, Any]]) -> Plot | None:
    """One small panel per overall validation metric (``None`` without validation rows)."""
    names = validation_metric_names(rows)[:MAX_METRIC_PANELS]
    if not names:
        return None
    columns = min(3, len(names))
    lines = math.ceil(len(names) / columns)
    figure = new_figure(3.2 * columns, 2.8 * lines)
    for index, name in enumerate(names):
        axes = figure.add_subplot(lines, columns, index + 1)
        axes.plot(*_series(rows, "val", name), "o-", color="tab:green", linewidth=1.5)
        axes.set_title(f"validation {name}", fontsize=10)
        axes.set_xlabel("step")
        axes.grid(alpha=0.3)
    return Plot("val_metrics", "training", "Validation metrics", png_bytes(figure))


def learning_rate_plot(rows: Sequence[dict[str, Any]]) -> Plot | None:
    """The learning rate at each logged step (``None`` when none was logged)."""
    steps, rates = _series(rows, "train", "lr")
    if not steps:
        return None
    figure = new_figure(6.4, 3.0)
    axes = figure.add_subplot()
    axes.plot(steps, rates, color="tab:purple", linewidth=1.5)
    axes.set_xlabel("step")
    axes.set_ylabel("learning rate")
    axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    axes.grid(alpha=0.3)
    return Plot("learning_rate", "training", "Learning rate", png_bytes(figure))
