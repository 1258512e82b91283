"""The pure-Python COCO tokenizer against the Java tokenizer pycocoevalcap runs."""

from __future__ import annotations

import random
import string

import pytest

from polymodal.metrics.captioning.tokenize import (
    COCO_PUNCTUATION,
    remove_punctuation,
    tokenize_captions,
    tokenize_document,
)
from tests.metrics.captioning.caption_generator import random_captions
from tests.metrics.captioning.java_reference import (
    java_token_lines,
    java_tokenize_captions,
    requires_java,
)
from tests.metrics.captioning.probes import PROBES


def _noise(count: int, seed: int, alphabet: str) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)]


ASCII_NOISE = string.ascii_letters * 3 + string.digits * 2 + string.punctuation + " " * 12
UNICODE_NOISE = ASCII_NOISE + "éèñüßÉÑ’‘“”—–…½¼£€¢¥©®°×αβΓΔжЖ中\u00a0\u200b´§•·‹›«»„‚†‰™"


def _joined(captions: list[str], fast: bool = True) -> list[str]:
    return [" ".join(tokens) for tokens in tokenize_document(captions, fast=fast)]


@pytest.mark.parametrize(
    ("caption", "tokens"),
    [
        ("A man rides a horse.", "a man rides a horse ."),
        ("He doesn't know it's 5:30.", "he does n't know it 's 5:30 ."),
        ("cannot gonna", "can not gon na"),
        ("A dog (brown) [big] {x}", "a dog -lrb- brown -rrb- -lsb- big -rsb- -lcb- x -rcb-"),
        ('"Hi" she said', "`` hi '' she said"),
        ("in the U.S. He left", "in the u.s. . he left"),
        ("in the U.S. he left", "in the u.s. he left"),
        ("I. He x", "i . he x"),
        ("I. He", "i. he"),
        ("Dr. Smith etc. Then", "dr. smith etc. . then"),
        ("wait... . . .", "wait ... ..."),
        ("5 7/8 inch", "5\u00a07/8 inch"),
        ("a--b --- c", "a -- b -- c"),
        ("½ cup", "1/2 cup"),
    ],
)
def test_known_tokenizations(caption: str, tokens: str) -> None:
    assert _joined([caption]) == [tokens]


def test_punctuation_removal_keeps_lowercased_brackets() -> None:
    # The reference removes "-LRB-" but its tokens are lower-cased first: "-lrb-" stays.
    assert tokenize_captions(["A (big) dog, really!"]) == ["a -lrb- big -rrb- dog really"]
    assert "-LRB-" in COCO_PUNCTUATION and "-lrb-" not in COCO_PUNCTUATION
    assert remove_punctuation(["''", "hi", "...", "--", "``"]) == "hi"
    assert tokenize_captions(["", "...", "Hello."]) == ["", "", "hello"]


def test_abbreviation_looks_at_the_next_caption() -> None:
    # The reference tokenizes all captions as one document: "U.S." + newline + "A ..." ends a
    # sentence (extra "."), + "a ..." does not.
    assert _joined(["in the U.S.", "A dog", "in the U.S.", "a dog"]) == [
        "in the u.s. .",
        "a dog",
        "in the u.s.",
        "a dog",
    ]


def test_stray_line_separator_shifts_like_the_reference() -> None:
    # A carriage return ends a line for the Java tokenizer; pycocoevalcap then pairs output
    # lines with captions by position, so later captions shift. We reproduce that.
    assert _joined(["a\rb", "c", "d"]) == ["a", "b", "c"]


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_paths_agree_with_the_full_scanner(seed: int) -> None:
    captions = random_captions(1500, seed) + _noise(500, seed, ASCII_NOISE) + PROBES
    assert _joined(captions, fast=True) == _joined(captions, fast=False)


@requires_java
def test_probes_match_java_tokens() -> None:
    assert _joined(PROBES) == java_token_lines(PROBES)


@requires_java
def test_random_captions_match_java_tokens() -> None:
    captions = random_captions(3000, 7)
    ours = _joined(captions)
    java = java_token_lines(captions)
    mismatches = [(c, o, j) for c, o, j in zip(captions, ours, java, strict=True) if o != j]
    assert not mismatches, mismatches[:5]


@requires_java
@pytest.mark.parametrize("alphabet", [ASCII_NOISE, UNICODE_NOISE], ids=["ascii", "unicode"])
def test_random_noise_matches_java_tokens(alphabet: str) -> None:
    captions = _noise(2000, 3, alphabet)
    ours = _joined(captions)
    java = java_token_lines(captions)
    mismatches = [(c, o, j) for c, o, j in zip(captions, ours, java, strict=True) if o != j]
    assert not mismatches, mismatches[:5]


@requires_java
def test_matches_pycocoevalcap_tokenizer_output() -> None:
    captions = PROBES + random_captions(500, 11)
    assert tokenize_captions(captions) == java_tokenize_captions(captions)
