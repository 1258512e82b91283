"""The text operations behind the text augmentations, on one string: EDA's synonym
replacement, random insertion, random swap and random deletion, and word masking.

Text is split into words (with inner apostrophes and hyphens) and punctuation marks; only
words change, and words in ``protected`` never do. Randomness comes from a
:class:`~polymodal.data.transforms._random.TorchRandom` over the hook's generator.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from polymodal.data.transforms._random import TorchRandom
from polymodal.data.transforms.lexicon import SynonymSource
from polymodal.data.transforms.topics import COLOR_WORDS, COUNT_WORDS, NEGATION_WORDS, SPATIAL_WORDS

DEFAULT_PROTECTED = NEGATION_WORDS | COLOR_WORDS | SPATIAL_WORDS | COUNT_WORDS
EDA_OPS = ("synonym", "insert", "swap", "delete")

_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")
_OPENING = "([{"


def tokens(text: str) -> list[str]:
    """Words (with inner apostrophes and hyphens) and punctuation marks."""
    return _TOKEN.findall(text)


def join(parts: Sequence[str]) -> str:
    """Tokens → text: words separated by spaces, punctuation attached to what precedes it,
    opening brackets and quotes to what follows."""
    text = ""
    for part in parts:
        opens = _is_word(part) or part[0] in _OPENING
        if text and opens and text[-1] not in _OPENING:
            text += " "
        text += part
    return text


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


class _Words:
    """The tokens of one text and which of them augmentation may touch."""

    def __init__(self, text: str, protected: Collection[str]) -> None:
        self.parts = tokens(text)
        self.protected = protected

    def editable(self) -> list[int]:
        return [
            i
            for i, part in enumerate(self.parts)
            if _is_word(part) and part.lower() not in self.protected
        ]

    def word_count(self) -> int:
        return sum(_is_word(p) for p in self.parts)


def count_for(rate: float, words: int) -> int:
    """EDA's n = max(1, round(rate · words))."""
    return max(1, round(rate * words))


def synonym_replacement(
    text: str, rate: float, rng: TorchRandom, lexicon: SynonymSource, protected: Collection[str]
) -> str:
    """Replaces n editable words that have synonyms, each with a random synonym."""
    words = _Words(text, protected)
    candidates = [i for i in words.editable() if lexicon.synonyms(words.parts[i])]
    if not candidates:
        return text
    chosen = rng.sample(len(candidates), min(len(candidates), count_for(rate, words.word_count())))
    for pick in chosen:
        position = candidates[pick]
        options = lexicon.synonyms(words.parts[position])
        words.parts[position] = _match_case(
            options[rng.randrange(len(options))], words.parts[position]
        )
    return join(words.parts)


def random_insertion(
    text: str, rate: float, rng: TorchRandom, lexicon: SynonymSource, protected: Collection[str]
) -> str:
    """n times: a synonym of a random editable word goes in at a random word position."""
    words = _Words(text, protected)
    for _ in range(count_for(rate, words.word_count())):
        candidates = [i for i in words.editable() if lexicon.synonyms(words.parts[i])]
        if not candidates:
            break
        source = words.parts[candidates[rng.randrange(len(candidates))]]
        options = lexicon.synonyms(source)
        word = options[rng.randrange(len(options))]
        positions = [i for i, p in enumerate(words.parts) if _is_word(p)]
        # Insert before a word, or right after the last one (before final punctuation).
        slots = [*positions, positions[-1] + 1]
        words.parts.insert(slots[rng.randrange(len(slots))], word)
    return join(words.parts)


def random_swap(text: str, rate: float, rng: TorchRandom, protected: Collection[str]) -> str:
    """n times: two random editable words trade places."""
    words = _Words(text, protected)
    editable = words.editable()
    if len(editable) < 2:
        return text
    for _ in range(count_for(rate, words.word_count())):
        first, second = rng.sample(len(editable), 2)
        a, b = editable[first], editable[second]
        words.parts[a], words.parts[b] = words.parts[b], words.parts[a]
    return join(words.parts)


def random_deletion(text: str, rate: float, rng: TorchRandom, protected: Collection[str]) -> str:
    """Deletes each editable word with probability ``rate``; never every word."""
    words = _Words(text, protected)
    editable = words.editable()
    deleted = {i for i in editable if rng.random() < rate}
    if deleted and len(deleted) == words.word_count():
        deleted.discard(editable[rng.randrange(len(editable))])
    return join([p for i, p in enumerate(words.parts) if i not in deleted])


def mask_words(
    text: str, rate: float, rng: TorchRandom, protected: Collection[str], mask_token: str
) -> str:
    """Replaces each editable word with ``mask_token`` with probability ``rate``."""
    words = _Words(text, protected)
    for i in words.editable():
        if rng.random() < rate:
            words.parts[i] = mask_token
    return join(words.parts)
