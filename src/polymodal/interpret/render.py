"""One picture of an explanation: the image, where the question looked, Grad-CAM, and how much
each modality mattered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from polymodal.interpret.explain import Explanation
from polymodal.interpret.figures import new_figure, png_bytes, write_bytes
from polymodal.interpret.overlay import overlay, to_rgb_array

MAX_TOKEN_MAPS = 8


def _show(axes: Axes, pixels: np.ndarray, title: str) -> None:
    axes.imshow(pixels, interpolation="nearest")
    axes.set_title(title, fontsize=9)
    axes.set_axis_off()


def _attribution_bars(axes: Axes, explanation: Explanation) -> None:
    modalities = list(explanation.effect)
    positions = np.arange(len(modalities))
    has_shapley = bool(explanation.shapley)
    height = 0.38 if has_shapley else 0.6
    effects = [explanation.effect[m] for m in modalities]
    axes.barh(
        positions - (height / 2 if has_shapley else 0), effects, height, label="removal effect"
    )
    if has_shapley:
        values = [explanation.shapley[m] for m in modalities]
        axes.barh(positions + height / 2, values, height, label="Shapley value")
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.set_yticks(positions, modalities)
    axes.invert_yaxis()
    axes.set_xlabel(f"Δ p({explanation.answer})", fontsize=9)
    axes.set_title("modality attribution", fontsize=9)
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    axes.tick_params(labelsize=8)


def explanation_figure(explanation: Explanation, question: str | None = None) -> Figure:
    """The explanation as a figure: input image, the question's pooled attention, Grad-CAM for
    the answer and the attribution bars on top; one attention map per question word below."""
    image = explanation.image
    panels: list[tuple[np.ndarray, str]] = []
    if image is not None:
        panels.append((to_rgb_array(image), "input"))
        if explanation.attention is not None:
            pooled = explanation.attention.pooled[0]
            peak = f"peak cell {100 * float(pooled.max()):.1f}%"
            panels.append((overlay(image, pooled), f"question attention ({peak})"))
        if explanation.gradcam is not None:
            panels.append((overlay(image, explanation.gradcam), f"Grad-CAM: {explanation.answer}"))
    words = explanation.query_tokens[:MAX_TOKEN_MAPS]
    columns = max(len(panels) + 1, len(words), 1)
    rows = 2 if words else 1
    figure = new_figure(2.3 * columns, 2.6 * rows + 0.4)
    grid = figure.add_gridspec(rows, columns)
    for column, (pixels, title) in enumerate(panels):
        _show(figure.add_subplot(grid[0, column]), pixels, title)
    _attribution_bars(figure.add_subplot(grid[0, len(panels) :]), explanation)
    if words and image is not None and explanation.attention is not None:
        for column, word in enumerate(words):
            heat = explanation.attention.tokens[0, column]
            _show(figure.add_subplot(grid[1, column]), overlay(image, heat), f"“{word}”")
    asked = f"{question} → " if question else ""
    figure.suptitle(f"{asked}{explanation.answer} (p = {explanation.score:.3f})", fontsize=11)
    return figure


def save_explanation(
    explanation: Explanation, path: str | Path, question: str | None = None
) -> Path:
    """Writes :func:`explanation_figure` as a PNG (atomically) and returns its path."""
    path = Path(path)
    write_bytes(path, png_bytes(explanation_figure(explanation, question)))
    return path
