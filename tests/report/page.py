"""Reading a report page back: its title, images, gallery entries and outside references."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    title: str = ""
    images: list[dict[str, str]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    def plots(self) -> list[dict[str, str]]:
        return [i for i in self.images if "plot" in i.get("class", "").split()]

    def examples(self) -> list[str]:
        return [f for f in self.figures if "example" in f.split()]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.page.tags.add(tag)
        self._in_title = tag == "title"
        if tag == "img":
            self.page.images.append(values)
        if tag == "figure":
            self.page.figures.append(values.get("class", ""))
        if tag == "section":
            self.page.sections.append(values.get("id", ""))
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            if name in values:
                self.page.references.append(values[name])

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return reader.page
