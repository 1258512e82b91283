"""Synonyms for text augmentation, offline.

Three sources, chosen by name, never silently swapped for one another (two machines must draw
the same synonyms):

- ``builtin`` (default): the small lexicon shipped with polymodal, ``synonyms.txt`` next to this
  module — a few hundred everyday words of image questions and captions, in groups of
  interchangeable words. Colour, position, number and negation words are deliberately absent.
- ``wordnet``: WordNet through NLTK, when ``nltk`` and its ``wordnet`` corpus are installed
  (``pip install nltk`` and ``python -m nltk.downloader wordnet``); single-word lemmas of every
  synset of the word.
- a path to your own file in the built-in format: one group per line, words separated by
  spaces, ``#`` comments.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Protocol

from polymodal.errors import DataError

BUILTIN = "builtin"
WORDNET = "wordnet"


class SynonymSource(Protocol):
    """Anything that gives a word's synonyms."""

    name: str

    def synonyms(self, word: str) -> tuple[str, ...]: ...


class Lexicon:
    """Word → synonyms (lower-case, sorted, without the word itself).

    Args:
        groups: groups of interchangeable words; a word in several groups gets all their
            members.
        name: where the groups came from (for messages and records).
    """

    def __init__(self, groups: list[list[str]], name: str = "custom") -> None:
        self.name = name
        table: dict[str, set[str]] = {}
        for group in groups:
            members = {w.lower() for w in group}
            for word in members:
                table.setdefault(word, set()).update(members - {word})
        self._table = {word: tuple(sorted(others)) for word, others in table.items() if others}

    def synonyms(self, word: str) -> tuple[str, ...]:
        """The synonyms of ``word`` (empty when it has none)."""
        return self._table.get(word.lower(), ())

    def __len__(self) -> int:
        return len(self._table)


def parse_groups(text: str, source: str) -> list[list[str]]:
    """The groups of a lexicon file's text (``source`` names it in errors)."""
    groups = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        group = content.replace(",", " ").split()
        if any(not w.replace("-", "").replace("'", "").isalpha() for w in group):
            raise DataError(f"{source}:{number}: lexicon words must be letters, got {group}")
        groups.append(group)
    return groups


class WordNetLexicon:
    """Synonyms from WordNet (NLTK), looked up on demand and cached.

    Raises:
        DataError: NLTK or its WordNet data is not installed (says how to install them).
    """

    name = WORDNET

    def __init__(self) -> None:
        try:
            from nltk.corpus import wordnet
        except ImportError:
            raise DataError(
                "lexicon 'wordnet' needs NLTK: pip install nltk, then "
                "python -m nltk.downloader wordnet (or use lexicon: builtin)"
            ) from None
        try:
            wordnet.ensure_loaded()
        except LookupError:
            raise DataError(
                "lexicon 'wordnet': NLTK is installed but its WordNet data is not; run "
                "python -m nltk.downloader wordnet (or use lexicon: builtin)"
            ) from None
        self._wordnet = wordnet
        self._cache: dict[str, tuple[str, ...]] = {}

    def synonyms(self, word: str) -> tuple[str, ...]:
        """Single-word lemmas of every synset of ``word`` (lower-case, sorted)."""
        word = word.lower()
        if word not in self._cache:
            names = {
                lemma.name().lower()
                for synset in self._wordnet.synsets(word)
                for lemma in synset.lemmas()
            }
            self._cache[word] = tuple(sorted(n for n in names if n != word and n.isalpha()))
        return self._cache[word]


@functools.lru_cache(maxsize=8)
def load_lexicon(source: str = BUILTIN) -> SynonymSource:
    """The lexicon named by ``source``: ``builtin``, ``wordnet`` or a file path.

    Raises:
        DataError: the file or WordNet is missing (the message says how to get it).
    """
    if source == BUILTIN:
        text = resources.files("polymodal.data.transforms").joinpath("synonyms.txt").read_text()
        return Lexicon(parse_groups(text, "polymodal/data/transforms/synonyms.txt"), BUILTIN)
    if source == WORDNET:
        return WordNetLexicon()
    path = Path(source)
    if not path.is_file():
        raise DataError(
            f"lexicon file not found: {path} (lexicon must be 'builtin', 'wordnet' or a path "
            "to a file with one group of synonyms per line)"
        )
    return Lexicon(parse_groups(path.read_text(), str(path)), str(path))
