"""N-gram counts shared by BLEU and CIDEr-D."""

from __future__ import annotations

from collections import Counter
from itertools import chain

NGram = tuple[str, ...]


def ngram_counts(words: list[str], max_n: int = 4) -> Counter[NGram]:
    """Counts of every 1..``max_n``-gram of ``words``.

    Args:
        words: the caption's tokens.
        max_n: the longest n-gram.

    Returns:
        A counter keyed by n-gram tuples (unigrams are 1-tuples).
    """
    # zip over shifted copies builds each order's n-grams in C.
    return Counter(chain.from_iterable(zip(*(words[k:] for k in range(n))) for n in range(1, max_n + 1)))
