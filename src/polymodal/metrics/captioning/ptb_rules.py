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

# ----------------------------------------------------------------------------------------
# Character classes. JFlex's %caseless makes literal strings case-insensitive but leaves
# character classes alone, so literals are wrapped in (?i:...) and classes are written out.
# ----------------------------------------------------------------------------------------
# Java's Character.isLetter: Python's "alphanumeric but not a decimal digit or underscore"
# also admits numeric symbols (superscripts, vulgar fractions, circled and Roman numerals).
_NOT_NUMERIC = r"(?![\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u218f\u2460-\u24ff\u2776-\u2793])"
_LETTER_CHAR = rf"(?:{_NOT_NUMERIC}[^\W\d_])"
_LETTER = (
    rf"(?:{_LETTER_CHAR}|&[aeiouAEIOU](?i:acute|grave|uml);|[\u00AD\u0237-\u024F\u02C2-\u02C5"
    r"\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F])"
)
_DIGIT = r"\d"
# Upper-case letters for the sentence-end test: ASCII, Latin-1, Greek and Cyrillic (the reference
# uses Unicode's full upper-case class; rarer scripts are a documented divergence).
_UPPERCASE = "[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f]"
_SPACE = r"[ \t\u00A0\u2000-\u200A\u3000]"
_NEWLINE = r"(?:\r\n|[\r\n\u2028\u2029\x0b\x0c\x85])"
_SPACENL = rf"(?:{_SPACE}|{_NEWLINE})"
_APOS = r"(?:['\u0092\u2019]|&apos;)"
_APOSETC = rf"(?:{_APOS}|[`\u0091\u2018\u201B])"
_SGML_NAME = r"[A-Za-z][A-Za-z0-9_:.\-]*"
_SGML_VALUE = r"""['"][^\r\n'"]*['"]"""
_SGML = (
    rf"<(?:[!?][A-Za-z\-][^>\r\n]*|/?{_SGML_NAME}"
    rf"(?:[ ]+(?:{_SGML_NAME}[ ]*=[ ]*{_SGML_VALUE}|{_SGML_NAME}|{_SGML_VALUE}|[ ]*/))*[ ]*/?)>"
)
_WORD = rf"{_LETTER}(?:{_LETTER}|{_DIGIT})*(?:[.!?]{_LETTER}(?:{_LETTER}|{_DIGIT})*)*"
_NUM_ALTERNATIVES = (
    rf"{_DIGIT}*(?:[.:,\u00AD\u066B\u066C]{_DIGIT}+)+",
    rf"{_DIGIT}+",
)
_REDAUX = rf"{_APOS}(?:[msdMSD]|(?i:re|ve|ll))"
_SREDAUX = rf"[nN]{_APOSETC}[tT]"
_ACRO_SPECIAL = r"(?i:U\.S\.-(?:U\.K|U\.S\.S\.R))|(?i:Canada|Sino|Korean|EU|Japan|non)-(?i:U\.S)"
# ACRO admits a single letter ("I."); ACRO2, used inside hyphenated words, needs two.
_ACRO = rf"(?:{_ACRO_SPECIAL}|[A-Za-z](?:\.[A-Za-z])*)"
_ACRO2 = rf"(?:{_ACRO_SPECIAL}|[A-Za-z](?:\.[A-Za-z])+)"
_ALNUM = rf"(?:{_LETTER_CHAR}|{_DIGIT})"
_THING_PART = rf"(?:[dDoOlL]{_APOSETC}{_ALNUM})?{_ALNUM}+"
_HYPHEN = r"[-_\u058A\u2010\u2011]"



def _alternatives(words: Sequence[str]) -> str:
    # Longest first: Python's alternation takes the first that fits, JFlex the longest.
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# Abbreviations, as the 3.4.1 lexer knows them (found by probing it).
ABBREV1_WORDS = (
    # Months, days, US states, companies, number-like and post-name titles; usually followed by a
    # lower-case word, so a following capital marks a sentence end (and the period doubles).
    *"Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mon Tue Tues Wed Thu Thurs Fri".split(),
    *"Ala Ariz Calif Colo Conn Ct Dak Fla Ga Ind Kan Kans Ky Md Mich Minn Mo Mont Neb Nev".split(),
    *"Okla Penn Tenn Va Vt Wis Wisc Wyo".split(),
    *"Inc Co Cos Corp Pte Ptes Pty Ptys Ppte Pptes Ppty Pptys Ltd Plc Rt Bancorp Bhd Assn".split(),
    *"Univ Intl Sys tel est ext sq Jr Sr Bros Blvd Rd Esq etc al seq Bldg".split(),
)
# States whose first letter is case-sensitive in the reference ("Ark." but not "ark.").
ABBREV1_CASED_WORDS = tuple("Az Ark Del Ill La Mass Miss Ore Pa Tex Wash".split())
ABBREV4_WORDS = (
    # Titles and the like, usually followed by a capitalised name: never a sentence end.
    *"Mr Mrs Ms Dr Drs Prof Profs Sen Sens Rep Reps Atty Attys Lt Col Gen Messrs Gov Govs".split(),
    *"Adm Rev Maj Sgt Cpl Pvt Capt St Ste Ave Pres Lieut Rt Hon Brig Comdr Cmdr Pfc Spc".split(),
    *"Supt Supts Det Mt Ft Adj Adv Asst Assoc Ens Insp Mlle Mme Msgr Sfc Sr vs Alex Wm Jos".split(),
    *"Cie cf TREAS Ph Invt Elec Natl Mfg Mtg Dept Blvd Rd".split(),
)
# Kept with their period only before a number ("fig. 3").
ABBREV3_WORDS = tuple("ca fig figs prop no nos art bldg pp op".split())

_ABBREV1 = (
    rf"(?:(?i:(?:Ed|Ph)\.D|{_alternatives(ABBREV1_WORDS)})"
    rf"|{'|'.join(f'{word[0]}(?i:{word[1:]})' for word in ABBREV1_CASED_WORDS)})\."
)
_ABBREV4 = (
    rf"(?:{_ACRO}|(?i:a\.k\.a|{_alternatives(ABBREV4_WORDS)})|M(?i:iss)|[A-Za-z])"
)
_ABBREV3 = rf"(?i:{_alternatives(ABBREV3_WORDS)})\."
_ACRONYM_FOLLOWERS = (
    "About|According|Additionally|After|An|As|At|A|But|Earlier|However|Here|Her|He|If|In|It|"
    r"Last|Many|More|Mr\.|Ms\.|Now|Once|One|Other|Our|She|Since|Some|Such|So|That|Their|"
    "Then|There|These|They|This|The|We|When|While|What|Yet|You"
)
# Only the first letter of each follower is case-sensitive ("[A]bout" in the reference).
_ACRONYM_NEXT = "|".join(
    f"{word[0]}(?i:{word[1:]})" if len(word) > 1 else word
    for word in _ACRONYM_FOLLOWERS.split("|")
)
_QUOTE_CHARS = (
    "`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A"
    "\u00AB\u00BB"
)
_MISC_SYMBOL = (
    "+%&~\\^|\\\\\u00A6\u00A7\u00A8\u00A9\u00AC\u00AE\u00AF\u00B0-\u00B3\u00B4-\u00BA\u00D7"
    "\u00F7\u0387\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614"
    "\u061B\u061E\u066A\u066D\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F\u1FBD\u2016"
    "\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E"
    "\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20"
    "\uFF3B-\uFF40\uFF5B-\uFF65"
)
_FILENAME_EXTENSIONS = (
    "bat|bmp|class|cgi|cpp|c|dll|docx|doc|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov|mp3|pdf|"
    "php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip"
)
_URL_STOP = r" \t\n\f\r\"<>|"
_URL_PATH = rf"(?:/[^{_URL_STOP}()]+[^{_URL_STOP}.!?(){{}},-])?"


# ----------------------------------------------------------------------------------------
# Token normalisations applied by the reference's actions.
# ----------------------------------------------------------------------------------------
def _latex_quotes(token: str, probably_left: bool) -> str:
    if probably_left:
        token = re.sub(r"&apos;|'", "`", token)
        token = re.sub(r"\"|&quot;", "``", token)
    else:
        token = re.sub(r"&apos;|'", "'", token)
        token = re.sub(r"\"|&quot;", "''", token)
    token = re.sub("[\u0091\u2018\u201b\u2039]", "`", token)
    token = re.sub("[\u0092\u2019\u203a]", "'", token)
    token = re.sub("[\u0093\u201c\u00ab]", "``", token)
    return re.sub("[\u0094\u201d\u00bb]", "''", token)


def _right_quote(token: str) -> str:
    return _latex_quotes(token, probably_left=False)


def _left_quote(token: str) -> str:
    return _latex_quotes(token, probably_left=True)


def _remove_soft_hyphens(token: str) -> str:
    return token.replace("\u00ad", "") or "-"


def _non_breaking_spaces(token: str) -> str:
    return token.replace(" ", "\u00a0")


def _brackets_in_token(token: str) -> str:
    return token.replace("(", "-LRB-").replace(")", "-RRB-")


_FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3"}


def _fraction_char(token: str) -> str:
    return _FRACTIONS.get(token, token)


def _currency(token: str) -> str:
    token = token.replace("\u00a2", "cents").replace("\u00a3", "#")
    return re.sub("[\u0080\u00a4\u20a0\u20ac]", "$", token)


def _ellipsis(token: str) -> str:
    return "..."


def _dashes(token: str) -> str:
    return "--" if 3 <= len(token) <= 4 else token


def _amp(token: str) -> str:
    return re.sub(r"(?i:&amp;)", "&", token)


def _constant(value: str) -> Callable[[str], str]:
    def action(token: str) -> str:
        return value

    return action


def _same(token: str) -> str:
    return token


def _strip_trailing_space(token: str) -> int:
    """Length of ``token`` without trailing blanks (the reference's JFlex work-around)."""
    return len(token.rstrip(" \t\n\r\x0b\x0c\x85"))


# ----------------------------------------------------------------------------------------
# Rules. A rule matches ``token`` optionally followed by ``context`` (trailing context, which
# counts towards the match length but is not consumed). ``keep`` says how many characters of
# the matched token are emitted and consumed (the reference's yypushback), ``action`` turns
# them into the output text, and ``None`` as action drops them (spaces).
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    action: Callable[[str], str] | None
    first: re.Pattern[str]
    keep: Callable[[str], int] | None = None


def _rule(
    name: str,
    token: str | Sequence[str],
    first: str,
    action: Callable[[str], str] | None = _same,
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


def _abbrev_sentence_end(token: str) -> int:
    # The abbreviation is returned with its period and the period is read again as a token.
    return len(token) - 1


def _acronym_sentence_end(token: str) -> int:
    length = _strip_trailing_space(token)
    return length - 1


def _acronym_action(token: str) -> str:
    token = token.rstrip(" \t\n\r\x0b\x0c\x85")
    # "I." before a sentence start is the pronoun followed by a full stop.
    return token[:-1] if len(token) == 2 else token


_LETTER_FIRST = r"[^\W\d_]|&|[\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F]"

_RULES: tuple[_Rule, ...] = (
    _rule("prog_langs", r"(?i:c\+\+|[cf]#)", r"[cCfF]"),
    _rule(
        "assimilation3", r"(?i:cannot)|'(?i:twas)", r"[cC']", _without_last(3), keep=_pushback(3)
    ),
    _rule(
        "assimilation2",
        rf"{_APOS}(?i:tis)|(?i:gonna|gotta|lemme|gimme|wanna)",
        r"['\u0092\u2019&gGlLwW]",
        _without_last(2),
        keep=_pushback(2),
    ),
    _rule("sgml", _SGML, "<", _non_breaking_spaces),
    _rule(
        "spmdash",
        r"&(?i:MD|mdash|ndash);|[\u0096\u0097\u2013\u2014\u2015]",
        "[&\u0096\u0097\u2013\u2014\u2015]",
        _constant("--"),
    ),
    _rule("spamp", r"&(?i:amp);", "&", _amp),
    _rule("sppunc", r"&(?i:HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);", "&"),
    _rule("word_before_redaux", _WORD, _LETTER_FIRST, _remove_soft_hyphens, context=_REDAUX),
    _rule(
        "sword_before_n't",
        r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*",
        r"[A-Za-z\u00AD]",
        _remove_soft_hyphens,
        context=_SREDAUX,
    ),
    _rule("word", _WORD, _LETTER_FIRST, _remove_soft_hyphens),
    _rule(
        "apoword",
        [
            rf"{_APOS}[nN]{_APOS}?",
            rf"[lLdDjJ]{_APOS}",
            rf"(?i:Dunkin|somethin|ol){_APOS}",
            rf"{_APOS}(?i:em)",
            rf"[A-HJ-XZn]{_APOSETC}{_LETTER_CHAR}{{2,}}",
            rf"{_APOS}[2-9]0[sS]",
            rf"{_APOS}(?i:till|til)",
            rf"{_LETTER_CHAR}+[aeiouyAEIOUY]{_APOSETC}[aeiouA-Z]{_LETTER_CHAR}*",
            rf"{_APOS}(?i:cause)",
            r"(?i:cont'd\.?|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)",
            rf"[oO]{_APOSETC}[oO]",
        ],
        r"[^\W\d_]|['\u0092\u2019&]",
    ),
    _rule("apoword2", rf"[yY]{_APOS}", "[yY]", context=_LETTER_CHAR),
    _rule(
        "full_url",
        rf"(?i:https?)://[^{_URL_STOP}()]+[^{_URL_STOP}.!?(){{}},-]",
        "[hH]",
    ),
    _rule(
        "likely_url",
        [
            rf"(?i:www)\.(?:[^{_URL_STOP}.!?(){{}},]+\.)+[a-zA-Z]{{2,4}}{_URL_PATH}",
            # The reference's class "[...,-_$]" is a character range from "," to "_", which
            # excludes digits and capitals from these domain names; kept on purpose.
            rf"(?:[^{_URL_STOP}`'.!?(){{}}\x2c-\x5f$]+\.)+(?i:com|net|org|edu){_URL_PATH}",
        ],
        r"[^ \t\n\f\r\"<>|]",
    ),
    _rule(
        "email",
        rf"(?:&(?i:lt);|<)?[a-zA-Z0-9][^{_URL_STOP}(){{}}\u00A0]*@(?:[^{_URL_STOP}(){{}}.\u00A0]+\.)*"
        rf"[^{_URL_STOP}(){{}}.\u00A0]+(?:&(?i:gt);|>)?",
        "[a-zA-Z0-9<&]",
    ),
    _rule("twitter", rf"@[a-zA-Z_][a-zA-Z_0-9]*|#{_LETTER}+", "[@#]"),
    _rule("redaux_before_nonletter", _REDAUX, "['\u0092\u2019&]", _right_quote, context="[^A-Za-z]"),
    _rule("sredaux", _SREDAUX, "[nN]", _right_quote),
    _rule("date", rf"{_DIGIT}{{1,2}}[\-/]{_DIGIT}{{1,2}}[\-/]{_DIGIT}{{2,4}}", r"\d"),
    _rule(
        "number",
        [rf"[\-+]?{alternative}" for alternative in _NUM_ALTERNATIVES],
        r"[\d\-+.:,\u00AD\u066B\u066C]",
        _remove_soft_hyphens,
    ),
    _rule(
        "subsupnum",
        "[\u207a\u207b\u208a\u208b]?(?:[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+|[\u2080-\u2089]+)",
        "[\u207a\u207b\u208a\u208b\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u2080-\u2089]",
    ),
    _rule(
        "fraction",
        rf"(?:{_DIGIT}{{1,4}}[- \u00A0])?{_DIGIT}{{1,4}}(?:\\?/|\u2044){_DIGIT}{{1,4}}",
        r"\d",
        _non_breaking_spaces,
    ),
    _rule("fraction_char", "[\u00bc\u00bd\u00be\u2153-\u215e]", "[\u00bc\u00bd\u00be\u2153-\u215e]", _fraction_char),
    _rule(
        "treebank_special",
        rf"-(?i:RRB|LRB|RCB|LCB|RSB|LSB)-|(?i:C\.D\.s|pro-|anti-|S(?:&|&amp;)P-500|S(?:&|&amp;)Ls)"
        rf"|(?i:Cap){_APOS}[nN]|[cC]{_APOS}(?i:est)",
        r"[-cCpPaAsS]",
        _amp,
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
        _currency,
    ),
    _rule(
        "acronym_sentence_end",
        rf"{_ACRO}\.",
        "[A-Za-z]",
        _acronym_action,
        context=rf"{_SPACENL}+(?:{_ACRONYM_NEXT}|{_SGML}){_SPACENL}",
        keep=_acronym_sentence_end,
    ),
    _rule("abbrev_before_number", _ABBREV3, "[A-Za-z]", context=rf"{_SPACENL}?{_DIGIT}"),
    _rule(
        "abbrev1_sentence_end",
        _ABBREV1,
        "[A-Za-z]",
        context=rf"{_SPACENL}(?:{_SPACENL}|{_UPPERCASE}|{_SGML})",
        keep=_abbrev_sentence_end,
    ),
    _rule("abbrev1_inside", _ABBREV1, "[A-Za-z]", context=r"[\s\S][\s\S]"),
    # Reached only at the end of the input (fewer than two characters follow).
    _rule("abbrev1_end", _ABBREV1, "[A-Za-z]", keep=_abbrev_sentence_end),
    _rule("abbrev2", rf"{_ABBREV4}\.", "[A-Za-z]"),
    _rule("abbrev4", _ABBREV4, "[A-Za-z]", context=_SPACE),
    _rule("acro", _ACRO, "[A-Za-z]", context=_SPACENL),
    _rule("treebank_year", rf"{_APOS}[0-9][0-9]", "['\u0092\u2019&]", context=_SPACENL),
    _rule(
        "filename",
        rf"{_ALNUM}+(?:\.{_ALNUM}+)*\.(?i:{_FILENAME_EXTENSIONS})",
        r"[^\W_]",
        context=rf"{_SPACENL}|[.?!,]",
    ),
    _rule("word_period", rf"{_WORD}\.", _LETTER_FIRST, _remove_soft_hyphens, context="[,;:\u3001]"),
    _rule(
        "phone",
        r"(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])"
        r"[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}"
        r"|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}",
        r"[(+\d]",
        lambda token: _brackets_in_token(_non_breaking_spaces(token)),
    ),
    _rule("left_double_quote", r"\"|&(?i:quot);", '["&]', _left_quote, context="[A-Za-z0-9$]"),
    _rule("double_quote", r"\"|&(?i:quot);", '["&]', _right_quote),
    _rule("delete", "\x7f", "\x7f", None),
    _rule("less_than", r"<|&(?i:lt);", "[<&]", _constant("<")),
    _rule("greater_than", r">|&(?i:gt);", "[>&]", _constant(">")),
    _rule("duck_feet", r"<<|>>", "[<>]"),
    _rule(
        "smiley",
        r"[<>]?[:;=][\-o\*']?[\(\)DPdpO\\{@\|\[\]]",
        r"[<>:;=]",
        _brackets_in_token,
        context=r"[^A-Za-z0-9]",
    ),
    _rule(
        "asian_smiley",
        r"[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\)",
        r"[\-\^x=~<>'(]",
        _brackets_in_token,
    ),
    _rule("open_brace", r"\{", r"\{", _constant("-LCB-")),
    _rule("close_brace", r"\}", r"\}", _constant("-RCB-")),
    _rule("open_square", r"\[", r"\[", _constant("-LSB-")),
    _rule("close_square", r"\]", r"\]", _constant("-RSB-")),
    _rule("open_paren", r"\(", r"\(", _constant("-LRB-")),
    _rule("close_paren", r"\)", r"\)", _constant("-RRB-")),
    _rule("hyphens", r"-+", "-", _dashes),
    _rule("ellipsis", r"\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]", "[.\u0085\u2026]", _ellipsis),
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
        rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:{_ACRO2}\.|[A-Za-z0-9\u00AD]+))+\.",
        "[A-Za-z0-9]",
        _remove_soft_hyphens,
        context="[,;:\u3001]",
    ),
    _rule(
        "hthing",
        rf"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:{_ACRO2}\.|[A-Za-z0-9\u00AD]+))+",
        "[A-Za-z0-9]",
        _remove_soft_hyphens,
    ),
    _rule("thing_period", rf"{_THING_PART}(?:{_HYPHEN}{_THING_PART})*\.", r"[^\W_]", context="[,;:\u3001]"),
    _rule("thing", rf"{_THING_PART}(?:{_HYPHEN}{_THING_PART})*", r"[^\W_]"),
    _rule("thinga", r"[A-Z]+(?:(?:[+&]|&(?i:amp);)[A-Z]+)+", "[A-Z]", _amp),
    _rule("left_single_quote", "'", "'", _left_quote, context=r"[A-Za-z][^ \t\n\r\u00A0]"),
    _rule("redaux", _REDAUX, "['\u0092\u2019&]", _right_quote),
    _rule(
        "quotes",
        [_APOS, "''", f"[{_QUOTE_CHARS}]{{1,2}}"],
        f"['&{_QUOTE_CHARS}]",
        _right_quote,
    ),
    _rule("misc_symbol", f"[{_MISC_SYMBOL}]", f"[{_MISC_SYMBOL}]"),
    _rule("space", "\x00|[ \t\u00a0\u2000-\u200a\u3000]+|[\u200b\u200e\u200f\ufeff]", "[\x00 \t\u00a0\u2000-\u200b\u200e\u200f\u3000\ufeff]", None),
    _rule("nbsp_entity", r"&(?i:nbsp);", "&", None),
)


@lru_cache(maxsize=4096)
def candidates(character: str) -> tuple[_Rule, ...]:
    return tuple(rule for rule in _RULES if rule.first.match(character))


