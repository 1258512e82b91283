"""Pure-Python reproduction of the COCO caption tokenisation, without Java.

``pycocoevalcap`` tokenises captions by writing them, one per line, to a file and running
Stanford CoreNLP 3.4.1's ``PTBTokenizer -preserveLines -lowerCase`` on it, then dropping the
tokens in :data:`COCO_PUNCTUATION`. This module re-implements that lexer's behaviour on
caption text as a longest-match scanner over ordered rules (the first rule wins a tie, and a
rule's trailing context counts towards its length, as in JFlex). Its output was checked token
for token against the Java tokenizer on hand-written cases and on thousands of random captions
(``tests/metrics/captioning/test_tokenize.py``).

Conventions it keeps, because the reference keeps them:

* Brackets become ``-lrb-``, ``-rrb-``, ``-lsb-``, ``-rsb-``, ``-lcb-``, ``-rcb-`` and, being
  lower-cased, are *not* removed by the punctuation filter (which lists upper-case ``-LRB-``).
* Contractions split the Penn Treebank way: ``don't`` → ``do n't``, ``it's`` → ``it 's``,
  ``cannot`` → ``can not``, ``gonna`` → ``gon na``.
* A sentence-final abbreviation keeps its period and gets another: ``in the U.S. He`` →
  ``u.s. . he``; whether that happens can depend on the *next caption's* first word, because
  the reference tokenises all captions as one document; :func:`tokenize_document` does the same.
* Spaces inside fractions, phone numbers and SGML tags become U+00A0, so ``5 7/8`` is one
  token for ROUGE-L (which splits on ``" "``) and two for BLEU and CIDEr (which split on any
  whitespace), exactly as in the reference.

* A caption containing another line separator (``\\r``, U+2028, ...) ends a line for the Java
  tokenizer, so the reference pairs later output lines with the wrong captions; we reproduce
  that shift too.

Known divergences (see docs/metrics.md): letters outside the Basic Multilingual Plane, rare
Unicode symbols, upper-case letters outside Latin, Greek and Cyrillic (for the sentence-end
test) and unusual URL or e-mail shapes may lex differently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from polymodal.metrics.captioning.ptb_patterns import (
    ABBREV1_CASED_WORDS,
    ABBREV1_WORDS,
    ABBREV3_WORDS,
    ABBREV4_WORDS,
)
from polymodal.metrics.captioning.ptb_rules import candidates

#: Tokens the COCO evaluation removes after tokenising (``pycocoevalcap``'s PUNCTUATIONS).
COCO_PUNCTUATION = frozenset(
    "'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;".split(" ")  # noqa: SIM905
)

# Characters that end a line for the reference (it writes one caption per line).
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c]")

# Fast paths for the bulk of caption text; the tests check them against the full scanner.
# A run of plain words whose last word is followed by a character that cannot extend it or
# change its rule; with an "@" anywhere, a word followed by punctuation may start an e-mail.
_FAST_WORDS = re.compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+)*(?=[ \t\n,;)\]}]|[!?](?:[ \t\n]|\Z)|\Z)")
_FAST_WORDS_BEFORE_SPACE = re.compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+)*(?=[ \t\n]|\Z)")
# A caption's last word and its full stop: "dog." -> "dog", ".", unless the word is an
# abbreviation, which keeps its period.
_FAST_LAST_WORD = re.compile(r"([A-Za-z]{2,})\.(?=[ \t]*(?:\n|\Z))")
_FAST_SPACE = re.compile(r"[ \t]+")
# A word and its contraction: "it's" -> "it", "'s"; "don't" -> "do", "n't".
_FAST_CONTRACTION = re.compile(
    r"(?:([A-Za-z]+)('(?:[smdSMD]|re|ve|ll|RE|VE|LL))|([A-Za-z]*[A-MO-Za-mo-z])([nN]'[tT]))"
    r"(?=[ \t\n,;.!?]|\Z)"
)
# A whole caption of plain words, optionally ending with a full stop.
_SIMPLE_LINE = re.compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+)*(?P<stop>[ \t]*\.)?[ \t]*(?=\n|\Z)")
_FAST_STOP = re.compile(r"\.(?=[ \t]*(?:\n|\Z))")
_FAST_COMMA = re.compile(r",(?![\d])")
_FAST_MARKS = re.compile(r"[?!]+")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Words that a rule other than the plain-word rule claims.
_SPECIAL_WORDS = frozenset(["cannot", "gonna", "gotta", "lemme", "gimme", "wanna"])
_ABBREVIATIONS = frozenset(
    word.lower()
    for word in (*ABBREV1_WORDS, *ABBREV1_CASED_WORDS, *ABBREV3_WORDS, *ABBREV4_WORDS, "miss")
)


def _scan(text: str, position: int) -> tuple[str | None, int]:
    """The longest rule match at ``position``: its output (None: nothing) and its length."""
    best = None
    best_length = 0
    best_token = 0
    for rule in candidates(text[position]):
        for pattern in rule.patterns:
            match = pattern.match(text, position)
            if match is not None and match.end() - position > best_length:
                best, best_length = rule, match.end() - position
                best_token = match.end("t") - position
    if best is None:
        # Untokenizable: the reference deletes it (after one warning).
        return None, 1
    matched = text[position : position + best_token]
    output = best.action(matched) if best.action is not None else None
    return output, best.keep(matched) if best.keep is not None else best_token


def tokenize_document(lines: Sequence[str], fast: bool = True) -> list[list[str]]:
    """Tokenises captions the way the reference tokenises its one-caption-per-line file.

    Args:
        lines: captions, in the order the reference writes them; a newline inside a caption
            becomes a space, as in the reference.
        fast: use the fast paths (same output; turned off only to test them).

    Returns:
        For each caption, its lower-cased PTB tokens (punctuation not yet removed).
    """
    text = "\n".join(line.replace("\n", " ") for line in lines)
    result: list[list[str]] = [[] for _ in lines]
    overflow: list[str] = []
    tokens = result[0] if result else overflow
    fast_words = _FAST_WORDS if "@" not in text else _FAST_WORDS_BEFORE_SPACE
    line = 0
    position = 0
    end = len(text)
    while position < end:
        character = text[position] if fast else ""
        if character in _ASCII_LETTERS:
            if position == 0 or text[position - 1] == "\n":
                match = _SIMPLE_LINE.match(text, position)
                if match is not None:
                    words = match.group().lower().split()
                    if match.group("stop") == ".":
                        # "horse." is "horse" and "."; an abbreviation keeps its period.
                        words[-1] = words[-1][:-1]
                        if len(words[-1]) < 2 or words[-1] in _ABBREVIATIONS:
                            words = []
                        else:
                            words.append(".")
                    if words and _SPECIAL_WORDS.isdisjoint(words):
                        tokens.extend(words)
                        position = match.end()
                        continue
            match = fast_words.match(text, position)
            if match is not None:
                words = match.group().lower().split()
                if _SPECIAL_WORDS.isdisjoint(words):
                    tokens.extend(words)
                    position = match.end()
                    continue
            match = _FAST_CONTRACTION.match(text, position)
            if match is not None:
                word, ending = (
                    (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
                )
                if word.lower() not in _SPECIAL_WORDS:
                    tokens.append(word.lower())
                    tokens.append(ending.lower())
                    position = match.end()
                    continue
            match = _FAST_LAST_WORD.match(text, position)
            if match is not None:
                word = match.group(1).lower()
                if word not in _ABBREVIATIONS and word not in _SPECIAL_WORDS:
                    tokens.append(word)
                    tokens.append(".")
                    position = match.end()
                    continue
        elif character == " " or character == "\t":
            match = _FAST_SPACE.match(text, position)
            assert match is not None
            position = match.end()
            continue
        elif character == "." and _FAST_STOP.match(text, position) is not None:
            tokens.append(".")
            position += 1
            continue
        elif character == "," and _FAST_COMMA.match(text, position) is not None:
            tokens.append(",")
            position += 1
            continue
        elif character == "?" or character == "!":
            # Nothing else starts with these: the run is one token.
            match = _FAST_MARKS.match(text, position)
            assert match is not None
            tokens.append(match.group())
            position = match.end()
            continue
        match = _LINE_BREAK.match(text, position)
        if match is not None:
            # Like the reference's zip of output lines with captions, a stray line separator
            # inside a caption (a carriage return, U+2028...) shifts later captions by a line.
            position = match.end()
            line += 1
            tokens = result[line] if line < len(result) else overflow
            continue
        output, consumed = _scan(text, position)
        if output is not None:
            tokens.append(output.lower())
        position += consumed
    return result


def remove_punctuation(tokens: Sequence[str]) -> str:
    """Joins one caption's tokens as ``pycocoevalcap`` does, dropping its punctuation list."""
    if tokens and tokens[-1] != tokens[-1].rstrip():
        # The reference strips trailing whitespace before splitting; tokens rarely end in any.
        tokens = " ".join(tokens).rstrip().split(" ")
    return " ".join([token for token in tokens if token not in COCO_PUNCTUATION])


def tokenize_captions(captions: Sequence[str]) -> list[str]:
    """COCO-tokenised captions, as ``pycocoevalcap``'s ``PTBTokenizer`` returns them.

    Args:
        captions: raw captions, in the order the reference would write them to its file.

    Returns:
        One space-separated string per caption, lower-cased, punctuation removed.
    """
    return [remove_punctuation(tokens) for tokens in tokenize_document(captions)]
