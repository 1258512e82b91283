"""Confusion matrix of recorded predictions: true label (rows) against prediction (columns)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from polymodal.interpret.figures import new_figure, png_bytes
from polymodal.report.outcomes import Outcome
from polymodal.report.plot import Plot

MAX_LABELS = 15
OTHER = "(other)"


def confusion_counts(
    outcomes: Sequence[Outcome], max_labels: int = MAX_LABELS
) -> tuple[list[str], np.ndarray]:
    """Counts of (truth, prediction) pairs over the ``max_labels`` most frequent true labels.

    Labels beyond those (rarer truths, and predictions outside them) are pooled as
    ``(other)``, so every outcome is counted once.

    Returns:
        The labels (most frequent truth first; ``(other)`` last when used) and the
        (L, L) int matrix, rows = truth, columns = prediction.
    """
    frequency = Counter(o.truth for o in outcomes)
    kept = sorted(frequency, key=lambda label: (-frequency[label], label))[:max_labels]
    index = {label: i for i, label in enumerate(kept)}
    needs_other = any(o.truth not in index or o.prediction not in index for o in outcomes)
    labels = [*kept, OTHER] if needs_other else kept
    other = len(kept)
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for o in outcomes:
        counts[index.get(o.truth, other), index.get(o.prediction, other)] += 1
    return labels, counts


def confusion_plot(outcomes: Sequence[Outcome], split: str) -> Plot | None:
    """The matrix as a heatmap, coloured by each row's share and annotated with counts."""
    if not outcomes:
        return None
    labels, counts = confusion_counts(outcomes)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    side = max(4.5, 0.42 * len(labels) + 2.2)
    figure = new_figure(side + 1.0, side)
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    positions = np.arange(len(labels))
    axes.set_xticks(positions, labels, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlabel("prediction")
    axes.set_ylabel("truth")
    for row in range(len(labels)):
        for column in range(len(labels)):
            if counts[row, column]:
                colour = "white" if shares[row, column] > 0.5 else "black"
                axes.text(
                    column,
                    row,
                    str(counts[row, column]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=colour,
                )
    figure.colorbar(image, ax=axes, shrink=0.8, label="share of the row")
    title = f"Confusion matrix ({split}, {len(outcomes)} predictions)"
    return Plot("confusion", "errors", title, png_bytes(figure))
