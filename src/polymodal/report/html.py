"""The report page: one self-contained HTML file — images inlined as data URIs, styles inline,
no scripts, no fonts or anything else fetched, and a Content-Security-Policy that forbids any
request."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape

from polymodal.report.gallery import Gallery, GalleryItem
from polymodal.report.plot import Plot

# The page may show its own data: images and inline styles; nothing may be loaded.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1a1a1a; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.8rem; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; }
figure.plot { display: inline-block; margin: 0.5rem 1rem 1rem 0; vertical-align: top; }
figure.plot img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #333; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr));
           gap: 1rem; }
figure.example { margin: 0; padding: 0.6rem; border-radius: 6px; border: 2px solid; }
figure.example.correct { border-color: #2e7d32; background: #f1f8f1; }
figure.example.wrong { border-color: #c62828; background: #fdf1f1; }
figure.example img { width: 100%; image-rendering: pixelated; }
.verdict { font-weight: bold; }
.correct .verdict { color: #2e7d32; } .wrong .verdict { color: #c62828; }
.note { color: #8a6d00; }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _metrics_table(evaluations: Mapping[str, Mapping[str, float]]) -> str:
    splits = list(evaluations)
    names = sorted(
        {n for metrics in evaluations.values() for n in metrics if "/" not in n},
        key=lambda n: (n == "loss", n != "accuracy", n),
    )
    head = "".join(f"<th>{escape(s)}</th>" for s in splits)
    body = []
    for name in names:
        cells = []
        for split in splits:
            value = evaluations[split].get(name)
            if isinstance(value, int | float):
                cells.append(f"<td>{value:.4f}</td>" if name == "loss" else f"<td>{value:.2f}</td>")
            else:
                cells.append("<td></td>")
        body.append(f"<tr><td>{escape(name)}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def _plot(plot: Plot) -> str:
    return (
        f'<figure class="plot" id="plot-{escape(plot.name)}">'
        f'<img class="plot" src="{data_uri(plot.png)}" alt="{escape(plot.title)}">'
        f"<figcaption>{escape(plot.title)}</figcaption></figure>"
    )


def _example(item: GalleryItem) -> str:
    o = item.outcome
    verdict = "correct" if o.correct else "wrong"
    picture = ""
    if item.png is not None:
        alt = f"input and {item.heatmap}" if item.heatmap else "input"
        picture = f'<img class="example-image" src="{data_uri(item.png)}" alt="{escape(alt)}">'
    heat = f" · right: {escape(item.heatmap)}" if item.heatmap else ""
    return (
        f'<figure class="example {verdict}">{picture}<figcaption>'
        f'<div class="question">{escape(item.text)}</div>'
        f'<div><span class="verdict">{verdict}</span> — predicted '
        f"<b>{escape(o.prediction)}</b> (p = {item.probability:.2f}), truth "
        f"<b>{escape(o.truth)}</b></div>"
        f'<div class="meta">id {escape(str(o.record.get("id", "?")))}{heat}</div>'
        f"</figcaption></figure>"
    )


def render_page(
    name: str,
    subtitle: str,
    evaluations: Mapping[str, Mapping[str, float]],
    sections: Sequence[tuple[str, str, Sequence[Plot]]],
    gallery: Gallery,
    gallery_title: str,
    notes: Sequence[str],
) -> str:
    """The whole page.

    Args:
        name: the run's name (the page title).
        subtitle: one line about the run (model, steps, checkpoint).
        evaluations: split → final metrics.
        sections: (id, heading, plots) in page order; sections without plots are left out.
        gallery: the examples.
        gallery_title: the gallery's heading.
        notes: what the report left out, and why.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>polymodal report — {escape(name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(name)}</h1>",
        f'<p class="meta">{escape(subtitle)}</p>',
        '<section id="summary"><h2>Final metrics</h2>',
        _metrics_table(evaluations),
        "</section>",
    ]
    for section, heading, plots in sections:
        if plots:
            figures = "".join(_plot(p) for p in plots)
            parts.append(
                f'<section id="{escape(section)}"><h2>{escape(heading)}</h2>{figures}</section>'
            )
    examples = "".join(_example(item) for item in gallery.items)
    note = f'<p class="note">{escape(gallery.note)}</p>' if gallery.note else ""
    parts.append(
        f'<section id="gallery"><h2>{escape(gallery_title)}</h2>{note}'
        f'<div class="gallery">{examples}</div></section>'
    )
    if notes:
        listed = "".join(f"<li>{escape(n)}</li>" for n in notes)
        parts.append(
            f'<section id="notes"><h2>Left out</h2><ul class="note">{listed}</ul></section>'
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
