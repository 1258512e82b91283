"""ROUGE-L exactly as ``pycocoevalcap`` computes it.

Conventions of the reference, kept here: tokens are the tokenised caption split on single
spaces (so an empty caption is one empty token); for each image the precision and recall are
each the *maximum* over its references of LCS/len, combined as an F-measure with β = 1.2; the
corpus score is the mean over images.
"""

from __future__ import annotations

from collections.abc import Sequence

BETA = 1.2


def lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences.

    Bit-parallel (one big-integer operation per token of ``first``) rather than the reference's
    quadratic table; the result is the same.
    """
    if len(first) < len(second):
        first, second = second, first
    matches: dict[str, int] = {}
    for position, token in enumerate(second):
        matches[token] = matches.get(token, 0) | (1 << position)
    mask = (1 << len(second)) - 1
    row = mask
    for token in first:
        hits = row & matches.get(token, 0)
        # Each set bit of ``row`` is a position of ``second`` not yet used by the LCS.
        row = ((row + hits) | (row - hits)) & mask
    return len(second) - row.bit_count()


def rouge_l(hypothesis: str, references: Sequence[str], beta: float = BETA) -> float:
    """ROUGE-L F-measure of one tokenised hypothesis against its tokenised references."""
    if not references:
        raise ValueError("ROUGE-L needs at least one reference")
    candidate = hypothesis.split(" ")
    best_precision = 0.0
    best_recall = 0.0
    for reference in references:
        tokens = reference.split(" ")
        common = lcs_length(tokens, candidate)
        best_precision = max(best_precision, common / len(candidate))
        best_recall = max(best_recall, common / len(tokens))
    if best_precision == 0 or best_recall == 0:
        return 0.0
    return ((1 + beta**2) * best_precision * best_recall) / (best_recall + beta**2 * best_precision)


def rouge_l_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[float]:
    """Per-image ROUGE-L of tokenised captions (the corpus score is their mean)."""
    return [rouge_l(h, r) for h, r in zip(hypotheses, references, strict=True)]
