"""Accuracy bars: per group (question type, answer type…) and per true class or answer."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from polymodal.interpret.figures import new_figure, png_bytes
from polymodal.report.outcomes import Outcome
from polymodal.report.plot import Plot

MAX_CLASSES = 20


def group_metrics(metrics: Mapping[str, float]) -> dict[tuple[str, str], dict[str, float]]:
    """``{"accuracy/question_type/yes/no": 90.0}`` → ``{("accuracy", "question_type"):
    {"yes/no": 90.0}}`` — group values may themselves hold ``/``."""
    groups: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for name, value in metrics.items():
        parts = name.split("/", 2)
        if len(parts) == 3 and isinstance(value, int | float):
            groups[(parts[0], parts[1])][parts[2]] = float(value)
    return dict(groups)


def _bars(
    values: Mapping[str, float], counts: Mapping[str, int], xlabel: str, title: str, name: str
) -> Plot:
    labels = list(values)
    figure = new_figure(6.4, 0.9 + 0.32 * len(labels))
    axes = figure.add_subplot()
    positions = range(len(labels))
    axes.barh(positions, [values[label] for label in labels], color="tab:blue")
    names = [f"{label} (n={counts[label]})" if label in counts else label for label in labels]
    axes.set_yticks(list(positions), names, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 105)
    axes.set_xlabel(xlabel)
    for position, label in zip(positions, labels, strict=True):
        axes.text(values[label] + 1, position, f"{values[label]:.1f}", va="center", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    return Plot(name, "accuracy", title, png_bytes(figure))


def group_plots(
    metrics: Mapping[str, float], outcomes: Sequence[Outcome], split: str
) -> list[Plot]:
    """One bar chart per group field of the task's metrics (``<metric>/<field>/<value>``), with
    each group's size counted from the records when they hold the field."""
    plots = []
    for (metric, field), values in sorted(group_metrics(metrics).items()):
        counts = Counter(str(o.record[field]) for o in outcomes if field in o.record)
        ordered = dict(sorted(values.items(), key=lambda item: (-counts.get(item[0], 0), item[0])))
        plots.append(
            _bars(
                ordered,
                counts,
                metric,
                f"{metric} per {field.replace('_', ' ')} ({split})",
                f"{metric}_per_{field}".replace("/", "_"),
            )
        )
    return plots


def class_plot(outcomes: Sequence[Outcome], split: str) -> Plot | None:
    """Accuracy per true class (or most common answer): the share of its samples predicted as
    it, for the ``MAX_CLASSES`` most frequent."""
    if not outcomes:
        return None
    totals = Counter(o.truth for o in outcomes)
    hits = Counter(o.truth for o in outcomes if o.correct)
    top = sorted(totals, key=lambda label: (-totals[label], label))[:MAX_CLASSES]
    values = {label: 100.0 * hits[label] / totals[label] for label in top}
    shown = f"top {len(top)} of {len(totals)}" if len(totals) > len(top) else f"{len(top)}"
    return _bars(
        values,
        totals,
        "% predicted exactly",
        f"Accuracy per true class ({split}, {shown} classes)",
        "accuracy_per_class",
    )
