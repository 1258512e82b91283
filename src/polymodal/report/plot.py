"""A rendered plot of a report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plot:
    """One PNG of the report.

    Attributes:
        name: file stem under ``plots/`` (``loss`` → ``plots/loss.png``).
        section: the report section it belongs to (``training``, ``accuracy``, ``errors``).
        title: what it shows, above it in the page.
        png: the image.
    """

    name: str
    section: str
    title: str
    png: bytes
