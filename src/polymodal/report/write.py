"""``report.html`` and ``plots/`` for a run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from polymodal.interpret.figures import write_bytes
from polymodal.report.accuracy import class_plot, group_metrics, group_plots
from polymodal.report.confusion import confusion_plot
from polymodal.report.curves import learning_rate_plot, loss_plot, metrics_plot
from polymodal.report.gallery import Gallery, build_gallery
from polymodal.report.html import render_page
from polymodal.report.outcomes import label_field, outcomes
from polymodal.report.plot import Plot
from polymodal.report.records import RunRecords, load_run
from polymodal.training import atomic

GALLERY_SIZE = 8


@dataclass(frozen=True)
class Report:
    """A rendered report.

    Attributes:
        html: the page.
        plots: the plots, in page order (each also saved as ``plots/<name>.png``).
        gallery: the examples shown.
        notes: what was left out, and why (also listed in the page).
    """

    html: str
    plots: list[Plot]
    gallery: Gallery
    notes: list[str]


def _component(node: Any) -> str:
    target = str(node.get("_component_", "?")) if isinstance(node, DictConfig) else "?"
    return target.rsplit(".", 1)[-1]


def _subtitle(records: RunRecords, split: str) -> str:
    model = records.config.get("model")
    pieces = []
    if isinstance(model, DictConfig) and isinstance(model.get("encoders"), DictConfig):
        encoders = " + ".join(
            f"{_component(node)} ({name})" for name, node in model.encoders.items()
        )
        heads = model.get("heads")
        head_names = (
            ", ".join(_component(n) for n in heads.values())
            if isinstance(heads, DictConfig)
            else ""
        )
        pieces.append(f"{encoders} → {_component(model.get('fusion'))} → {head_names}")
    steps = [int(row["step"]) for row in records.rows if row.get("split") == "train"]
    if steps:
        pieces.append(f"{max(steps)} steps")
    evaluation = records.evaluations[split]
    pieces.append(
        f"{split} predictions from the {evaluation.get('checkpoint', '?')} checkpoint "
        f"(step {evaluation.get('step', '?')})"
    )
    return " · ".join(pieces)


def make_report(
    run_dir: str | Path, split: str | None = None, gallery_size: int = GALLERY_SIZE
) -> Report:
    """Reads a run folder and renders its report (writes nothing).

    Args:
        run_dir: a folder written by ``polymodal train``.
        split: the evaluated split whose predictions are analysed (default: test, else val).
        gallery_size: how many predictions the gallery explains (half right, half wrong).

    Raises:
        CheckpointError: the folder lacks its config, metrics log or evaluation files.
    """
    records = load_run(run_dir)
    chosen = records.split_for_examples(split)
    evaluation = records.evaluations[chosen]
    field = label_field(records.config)
    judged = outcomes(evaluation["predictions"], field)
    notes: list[str] = []

    training = []
    for make, missing in (
        (loss_plot, "loss curve: no loss in metrics.jsonl"),
        (metrics_plot, "validation metrics: no validation rows in metrics.jsonl"),
        (learning_rate_plot, "learning-rate curve: no lr in metrics.jsonl"),
    ):
        plot = make(records.rows)
        if plot is None:
            notes.append(missing)
        else:
            training.append(plot)
    accuracy = group_plots(evaluation["metrics"], judged, chosen)
    per_group = {group_field for _, group_field in group_metrics(evaluation["metrics"])}
    if field is None or field not in per_group:
        per_class = class_plot(judged, chosen)
        if per_class is not None:
            accuracy.append(per_class)
    errors = [p for p in [confusion_plot(judged, chosen)] if p is not None]
    if not judged:
        notes.append(
            f"confusion matrix and per-class accuracy: eval/{chosen}.json has no predictions"
        )
    gallery = (
        build_gallery(records, chosen, judged, gallery_size) if gallery_size > 0 else Gallery([])
    )
    if gallery.note:
        notes.append(gallery.note)
    sections = [
        ("training", "Training", training),
        ("accuracy", f"Accuracy ({chosen})", accuracy),
        ("errors", f"Errors ({chosen})", errors),
    ]
    final = {split_name: data["metrics"] for split_name, data in records.evaluations.items()}
    right = sum(item.outcome.correct for item in gallery.items)
    html = render_page(
        records.name,
        _subtitle(records, chosen),
        final,
        sections,
        gallery,
        f"{chosen.capitalize()} predictions: {right} correct, {len(gallery.items) - right} wrong",
        notes,
    )
    return Report(html, [*training, *accuracy, *errors], gallery, notes)


def save_report(report: Report, run_dir: str | Path) -> Path:
    """Writes ``plots/`` (every plot, and ``gallery/<n>.png``; replaced as a whole) and then
    ``report.html``; returns the page's path."""
    root = Path(run_dir)
    with atomic.folder(root / "plots") as plots:
        for plot in report.plots:
            write_bytes(plots / f"{plot.name}.png", plot.png)
        for number, item in enumerate(report.gallery.items):
            if item.png is not None:
                write_bytes(plots / f"gallery_{number}.png", item.png)
    page = root / "report.html"
    atomic.write_text(page, report.html)
    return page


def write_report(run_dir: Path, split: str | None = None, gallery_size: int = GALLERY_SIZE) -> Path:
    """Writes a run's ``report.html`` and ``plots/``, and returns the page's path.

    Called at the end of ``polymodal train`` and by ``polymodal report``.

    Raises:
        CheckpointError: the folder lacks its config, metrics log or evaluation files.
    """
    return save_report(make_report(run_dir, split, gallery_size), run_dir)
