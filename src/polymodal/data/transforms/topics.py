"""What a text is about — colour, space, counting — by the words it uses.

Cross-modal augmentations ask these questions of a sample's text before they touch its image:
colour jitter leaves alone a sample whose text mentions a colour, a crop keeps every object of
a spatial or counting question. Matching is by whole lower-cased words, so it is predictable
and conservative: "what is on the right?" is spatial, and so is "is this right?" (a false
alarm only costs an augmentation, never a wrong label).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


COLOR_WORDS = _word_set(
    """
    color colors colour colours colored coloured colorful colourful hue hues shade tint
    red green blue yellow orange purple violet pink brown black white gray grey cyan magenta
    teal turquoise beige tan gold golden silver maroon navy olive lime indigo crimson
    blond blonde dark light bright pale
    """
)
SPATIAL_WORDS = _word_set(
    """
    left right leftmost rightmost leftward leftwards rightward rightwards
    above below over under underneath beneath top bottom upper lower
    behind front before beside besides next near nearest closest far farthest furthest
    between middle center centre side sides corner edge across opposite
    north south east west
    """
)
COUNT_WORDS = _word_set(
    """
    many number numbers count counts several multiple
    zero one two three four five six seven eight nine ten both
    """
)
#: Words that turn a statement around; text augmentation never removes or moves them.
NEGATION_WORDS = _word_set("no not nor never none nothing nobody neither without n't")

TOPICS: Mapping[str, frozenset[str]] = {
    "color": COLOR_WORDS,
    "spatial": SPATIAL_WORDS,
    "count": COUNT_WORDS,
    "negation": NEGATION_WORDS,
}
#: The text fields a sample may have (others are ignored).
TEXT_FIELDS = ("question", "caption", "captions", "answers", "answer", "text")

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|n't|\d+")


def words(text: str) -> list[str]:
    """Lower-cased words (digits count as words: "3" is about counting)."""
    return _WORD.findall(text.lower())


def texts_of(sample: Mapping[str, Any], fields: Iterable[str] = TEXT_FIELDS) -> list[str]:
    """The strings held by ``fields`` of a sample (a field may hold a string or a list)."""
    found: list[str] = []
    for field in fields:
        value = sample.get(field)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, str))
    return found


def check_topics(topics: Collection[str]) -> tuple[str, ...]:
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise ValueError(f"unknown topic(s) {unknown}; topics are {sorted(TOPICS)}")
    return tuple(topics)


def mentions(texts: str | Iterable[str], topics: Collection[str]) -> list[str]:
    """The topics (of ``topics``) that any of ``texts`` mentions, in ``topics`` order."""
    all_words: set[str] = set()
    for text in [texts] if isinstance(texts, str) else texts:
        all_words.update(words(text))
    return [topic for topic in check_topics(topics) if all_words & TOPICS[topic]]
