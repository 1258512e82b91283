"""The rules of Stanford CoreNLP 3.4.1's PTB lexer, as ``pycocoevalcap`` runs it.

Each rule is a regular expression for the token, an optional trailing context (which counts
towards the match length, as in JFlex, but is not consumed), how much of the match is kept
(the lexer's pushback) and how the kept text is normalised. The rules are ordered: on a tie in
length the earlier rule wins. They were derived from the behaviour of the 3.4.1 jar (which
``pycocoevalcap`` ships) on probes and random text, not copied from its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from polymodal.metrics.captioning.ptb_actions import (
    amp,
    brackets_in_token,
    constant,
    currency,
    dashes,
    ellipsis,
    fraction_char,
    left_quote,
    non_breaking_spaces,
    remove_soft_hyphens,
    right_quote,
    same,
)
from polymodal.metrics.captioning.ptb_patterns import (
    ABBREV1,
    ABBREV3,
    ABBREV4,
    ACRO,
    ACRO2,
    ACRONYM_NEXT,
    ALNUM,
    APOS,
    APOSETC,
    DIGIT,
    FILENAME_EXTENSIONS,
    HYPHEN,
    LETTER,
    LETTER_CHAR,
    MISC_SYMBOL,
    NUM_ALTERNATIVES,
    QUOTE_CHARS,
    REDAUX,
    SGML,
    SPACE,
    SPACENL,
    SREDAUX,
    THING_PART,
    UPPERCASE,
    URL_PATH,
    URL_STOP,
    WORD,
)


# ----------------------------------------------------------------------------------------
# Rules. A rule matches ``token`` optionally followed by ``context`` (trailing context, which
# counts towards the match length but is not consumed). ``keep`` says how many characters of
# the matched token are emitted and consumed (the reference's yypushback), ``action`` turns
# them into the output text, and ``None`` as action drops them (spaces).
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    """One lexer rule; ``first`` matches every character a token of this rule can start with,
    so that only a handful of rules are tried at each position."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    action: Callable[[str], str] | None
    first: re.Pattern[str]
    keep: Callable[[str], int] | None = None


def _rule(
    name: str,
    token: str | Sequence[str],
    first: str,
    action: Callable[[str], str] | None = same,
    context: str | None = None,
    keep: Callable[[str], int] | None = None,
) -> _Rule:
    alternatives = [token] if isinstance(token, str) else list(token)
    # Trailing context is matched (not looked ahead) so that it counts towards the length.
    compiled = tuple(
        re.compile(f"(?P<t>{alternative})" + (f"(?:{context})" if context else ""))
        for alternative in alternatives
    )
    return _Rule(name, compiled, action, re.compile(first), keep)


def _pushback(count: int) -> Callable[[str], int]:
    def keep(token: str) -> int:
        return len(token) - count

    return keep


def _without_last(count: int) -> Callable[[str], str]:
    def action(token: str) -> str:
        return token[:-count]

    return action


def _sentence_end(token: str) -> int:
    # An abbreviation ending a sentence is returned with its period, and the period is then
    # read again as a token of its own: "etc." + ".".
    return len(token) - 1


def _acronym_action(token: str) -> str:
    # "I." before a sentence start is the pronoun followed by a full stop: "I" + ".".
    return token[:-1] if len(token) == 2 else token


_LETTER_FIRST = (
    r"[^\W\d_]|&|[\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F]"
)

_RULES: tuple[_Rule, ...] = (
    _rule("prog_langs", r"(?i:c\+\+|[cf]#)", r"[cCfF]"),
    _rule(
        "assimilation3", r"(?i:cannot)|'(?i:twas)", r"[cC']", _without_last(3), keep=_pushback(3)
    ),
    _rule(
        "assimilation2",
        rf"{APOS}(?i:tis)|(?i:gonna|gotta|lemme|gimme|wanna)",
        r"['\u0092\u2019&gGlLwW]",
        _without_last(2),
        keep=_pushback(2),
    ),
    _rule("sgml", SGML, "<", non_breaking_spaces),
    _rule(
        "spmdash",
        r"&(?i:MD|mdash|ndash);|[\u0096\u0097\u2013\u2014\u2015]",
        "[&\u0096\u0097\u2013\u2014\u2015]",
        constant("--"),
    ),
    _rule("spamp", r"&(?i:amp);", "&", amp),
    _rule("sppunc", r"&(?i:HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);", "&"),
    _rule("word_before_redaux", WORD, _LETTER_FIRST, remove_soft_hyphens, context=REDAUX),
    _rule(
        "sword_before_n't",
        r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*",
        r"[A-Za-z\u00AD]",
        remove_soft_hyphens,
        context=SREDAUX,
    ),
    _rule("word", WORD, _LETTER_FIRST, remove_soft_hyphens),
    _rule(
        "apoword",
        [
            rf"{APOS}[nN]{APOS}?",
            rf"[lLdDjJ]{APOS}",
            rf"(?i:Dunkin|somethin|ol){APOS}",
            rf"{APOS}(?i:em)",
            rf"[A-HJ-XZn]{APOSETC}{LETTER_CHAR}{{2,}}",
            rf"{APOS}[2-9]0[sS]",
            rf"{APOS}(?i:till|til)",
            rf"{LETTER_CHAR}+[aeiouyAEIOUY]{APOSETC}[aeiouA-Z]{LETTER_CHAR}*",
            rf"{APOS}(?i:cause)",
            r"(?i:cont'd\.?|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)",
            rf"[oO]{APOSETC}[oO]",
        ],
        r"[^\W\d_]|['\u0092\u2019&]",
    ),
    _rule("apoword2", rf"[yY]{APOS}", "[yY]", context=LETTER_CHAR),
    _rule(
        "full_url",
        rf"(?i:https?)://[^{URL_STOP}()]+[^{URL_STOP}.!?(){{}},-]",
        "[hH]",
    ),
    _rule(
        "likely_url",
        [
            rf"(?i:www)\.(?:[^{URL_STOP}.!?(){{}},]+\.)+[a-zA-Z]{{2,4}}{URL_PATH}",
            # The reference's class "[...,-_$]" is a character range from "," to "_", which
            # excludes digits and capitals from these domain names; kept on purpose.
            rf"(?:[^{URL_STOP}`'.!?(){{}}\x2c-\x5f$]+\.)+(?i:com|net|org|edu){URL_PATH}",
        ],
        r"[^ \t\n\f\r\"<>|]",
    ),
    _rule(
        "email",
        rf"(?:&(?i:lt);|<)?[a-zA-Z0-9][^{URL_STOP}(){{}}\u00A0]*@(?:[^{URL_STOP}(){{}}.\u00A0]+\.)*"
        rf"[^{URL_STOP}(){{}}.\u00A0]+(?:&(?i:gt);|>)?",
        "[a-zA-Z0-9<&]",
    ),
    _rule("twitter", rf"@[a-zA-Z_][a-zA-Z_0-9]*|#{LETTER}+", "[@#]"),
    _rule("redaux_before_nonletter", REDAUX, "['\u0092\u2019&]", right_quote, context="[^A-Za-z]"),
    _rule("sredaux", SREDAUX, "[nN]", right_quote),
    _rule("date", rf"{DIGIT}{{1,2}}[\-/]{DIGIT}{{1,2}}[\-/]{DIGIT}{{2,4}}", r"\d"),
    _rule(
        "number",
        [rf"[\-+]?{alternative}" for alternative in NUM_ALTERNATIVES],
        r"[\d\-+.:,\u00AD\u066B\u066C]",
        remove_soft_hyphens,
    ),
    _rule(
        "subsupnum",
        "[\u207a\u207b\u208a\u208b]?(?:[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+|[\u2080-\u2089]+)",
        "[\u207a\u207b\u208a\u208b\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u2080-\u2089]",
    ),
    _rule(
        "fraction",
        rf"(?:{DIGIT}{{1,4}}[- \u00A0])?{DIGIT}{{1,4}}(?:\\?/|\u2044){DIGIT}{{1,4}}",
        r"\d",
        non_breaking_spaces,
    ),
    _rule(
        "fraction_char",
        "[\u00bc\u00bd\u00be\u2153-\u215e]",
        "[\u00bc\u00bd\u00be\u2153-\u215e]",
        fraction_char,
    ),
    _rule(
        "treebank_special",
        rf"-(?i:RRB|LRB|RCB|LCB|RSB|LSB)-|(?i:C\.D\.s|pro-|anti-|S(?:&|&amp;)P-500|S(?:&|&amp;)Ls)"
        rf"|(?i:Cap){APOS}[nN]|[cC]{APOS}(?i:est)",
        r"[-cCpPaAsS]",
        amp,
    ),
    _rule(
        "thing3",
        r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}",
        "[A-Za-z0-9]",
    ),
    _rule("dollar", r"[A-Z]*\$|#", r"[A-Z$#]"),
    _rule(
        "currency",
        "[\u00a2\u00a3\u00a4\u00a5\u0080\u20a0\u20ac\u060b\u0e3f\u20a4\uffe0\uffe1\uffe5\uffe6]",
        "[\u00a2\u00a3\u00a4\u00a5\u0080\u20a0\u20ac\u060b\u0e3f\u20a4\uffe0\uffe1\uffe5\uffe6]",
        currency,
    ),
    _rule(
        "acronym_sentence_end",
        rf"{ACRO}\.",
        "[A-Za-z]",
        _acronym_action,
        context=rf"{SPACENL}+(?:{ACRONYM_NEXT}|{SGML}){SPACENL}",
        keep=_sentence_end,
    ),
    _rule("abbrev_before_number", ABBREV3, "[A-Za-z]", context=rf"{SPACENL}?{DIGIT}"),
    # "Pty. Ltd." and "Co. Ltd.": not a sentence end.
    _rule(
        "company_before_ltd",
        r"(?:[pP][tT][eyEY]|[cC][oO])\.",
        "[pPcC]",
        context=rf"{SPACE}(?i:ltd|lim)",
    ),
    _rule(
        "abbrev1_sentence_end",
        ABBREV1,
        "[A-Za-z]",
        context=rf"{SPACENL}(?:{SPACENL}|{UPPERCASE}|{SGML})",
        keep=_sentence_end,
    ),
    _rule("abbrev1_inside", ABBREV1, "[A-Za-z]", context=r"[\s\S][\s\S]"),
    # Reached only at the end of the input (fewer than two characters follow).
    _rule("abbrev1_end", ABBREV1, "[A-Za-z]", keep=_sentence_end),
    _rule("abbrev2", rf"{ABBREV4}\.", "[A-Za-z]"),
    _rule("abbrev4", ABBREV4, "[A-Za-z]", context=SPACE),
    _rule("acro", ACRO, "[A-Za-z]", context=SPACENL),
    _rule("treebank_year", rf"{APOS}[0-9][0-9]", "['\u0092\u2019&]", context=SPACENL),
    _rule(
        "filename",
        rf"{ALNUM}+(?:\.{ALNUM}+)*\.(?i:{FILENAME_EXTENSIONS})",
        r"[^\W_]",
        context=rf"{SPACENL}|[.?!,]",
    ),
    _rule("word_period", rf"{WORD}\.", _LETTER_FIRST, remove_soft_hyphens, context="[,;:\u3001]"),
    _rule(
        "phone",
        r"(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])"
        r"[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}"
        r"|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}",
        r"[(+\d]",
        lambda token: brackets_in_token(non_breaking_spaces(token)),
    ),
    _rule("left_double_quote", r"\"|&(?i:quot);", '["&]', left_quote, context="[A-Za-z0-9$]"),
    _rule("double_quote", r"\"|&(?i:quot);", '["&]', right_quote),
    _rule("delete", "\x7f", "\x7f", None),
    _rule("less_than", r"<|&(?i:lt);", "[<&]", constant("<")),
    _rule("greater_than", r">|&(?i:gt);", "[>&]", constant(">")),
    _rule("duck_feet", r"<<|>>", "[<>]"),
    _rule(
        "smiley",
        r"[<>]?[:;=][\-o\*']?[\(\)DPdpO\\{@\|\[\]]",
        r"[<>:;=]",
        brackets_in_token,
        context=r"[^A-Za-z0-9]",
    ),
    _rule(
        "asian_smiley",
        r"[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\)",
        r"[\-\^x=~<>'(]",
        brackets_in_token,
    ),
    _rule("open_brace", r"\{", r"\{", constant("-LCB-")),
    _rule("close_brace", r"\}", r"\}", constant("-RCB-")),
    _rule("open_square", r"\[", r"\[", constant("-LSB-")),
    _rule("close_square", r"\]", r"\]", constant("-RSB-")),
    _rule("open_paren", r"\(", r"\(", constant("-LRB-")),
    _rule("close_paren", r"\)", r"\)", constant("-RRB-")),
    _rule("hyphens", r"-+", "-", dashes),
    _rule(
        "ellipsis", r"\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]", "[.\u0085\u2026]", ellipsis
    ),
    _rule("footnote_marks", r"@+|#+|_+", "[@#_]"),
    _rule("asterisks", r"\*+|(?:\\\*){1,3}", r"[*\\]"),
    _rule("in_sentence_punct", "[,;:\u3001]", "[,;:\u3001]"),
    _rule("end_punct", r"[?!]+", "[?!]"),
    _rule(
        "period",
        "[.\u00a1\u00bf\u037e\u0589\u061f\u06d4\u0700-\u0702\u07fa\u3002]",
        "[.\u00a1\u00bf\u037e\u0589\u061f\u06d4\u0700-\u0702\u07fa\u3002]",
    ),
    _rule("equals", "=", "="),
    _rule("slash", "/", "/"),
    _rule(
        "hthing_period",
        rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:{ACRO2}\.|[A-Za-z0-9\u00AD]+))+\.",
        "[A-Za-z0-9]",
        remove_soft_hyphens,
        context="[,;:\u3001]",
    ),
    _rule(
        "hthing",
        rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:{ACRO2}\.|[A-Za-z0-9\u00AD]+))+",
        "[A-Za-z0-9]",
        remove_soft_hyphens,
    ),
    _rule(
        "thing_period",
        rf"{THING_PART}(?:{HYPHEN}{THING_PART})*\.",
        r"[^\W_]",
        context="[,;:\u3001]",
    ),
    _rule("thing", rf"{THING_PART}(?:{HYPHEN}{THING_PART})*", r"[^\W_]"),
    _rule("thinga", r"[A-Z]+(?:(?:[+&]|&(?i:amp);)[A-Z]+)+", "[A-Z]", amp),
    _rule("left_single_quote", "'", "'", left_quote, context=r"[A-Za-z][^ \t\n\r\u00A0]"),
    _rule("redaux", REDAUX, "['\u0092\u2019&]", right_quote),
    _rule(
        "quotes",
        [APOS, "''", f"[{QUOTE_CHARS}]{{1,2}}"],
        f"['&{QUOTE_CHARS}]",
        right_quote,
    ),
    _rule("misc_symbol", f"[{MISC_SYMBOL}]", f"[{MISC_SYMBOL}]"),
    _rule(
        "space",
        "\x00|[ \t\u00a0\u2000-\u200a\u3000]+|[\u200b\u200e\u200f\ufeff]",
        "[\x00 \t\u00a0\u2000-\u200b\u200e\u200f\u3000\ufeff]",
        None,
    ),
    _rule("nbsp_entity", r"&(?i:nbsp);", "&", None),
)


@lru_cache(maxsize=4096)
def candidates(character: str) -> tuple[_Rule, ...]:
    return tuple(rule for rule in _RULES if rule.first.match(character))
