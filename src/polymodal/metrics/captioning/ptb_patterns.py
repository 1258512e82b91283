"""Regular-expression building blocks of the PTB lexer rules (:mod:`.ptb_rules`).

Character classes, the lexer's macros (words, numbers, acronyms, quotes, ...) and its lists of
abbreviations, written as Python regular expressions. JFlex's ``%caseless`` makes literal
strings case-insensitive but not character classes, so literals are wrapped in ``(?i:...)``
and classes are written out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Java's Character.isLetter: Python's "alphanumeric but not a decimal digit or underscore"
# also admits numeric symbols (superscripts, vulgar fractions, circled and Roman numerals).
NOT_NUMERIC = (
    r"(?![\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u218f\u2460-\u24ff\u2776-\u2793])"
)
LETTER_CHAR = rf"(?:{NOT_NUMERIC}[^\W\d_])"
LETTER = (
    rf"(?:{LETTER_CHAR}|&[aeiouAEIOU](?i:acute|grave|uml);|[\u00AD\u0237-\u024F\u02C2-\u02C5"
    r"\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F])"
)
DIGIT = r"\d"
# Upper-case letters for the sentence-end test: ASCII, Latin-1, Greek and Cyrillic (the reference
# uses Unicode's full upper-case class; rarer scripts are a documented divergence).
UPPERCASE = "[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f]"
SPACE = r"[ \t\u00A0\u2000-\u200A\u3000]"
NEWLINE = r"(?:\r\n|[\r\n\u2028\u2029\x0b\x0c\x85])"
SPACENL = rf"(?:{SPACE}|{NEWLINE})"
APOS = r"(?:['\u0092\u2019]|&apos;)"
APOSETC = rf"(?:{APOS}|[`\u0091\u2018\u201B])"
SGML_NAME = r"[A-Za-z][A-Za-z0-9_:.\-]*"
SGML_VALUE = r"""['"][^\r\n'"]*['"]"""
SGML = (
    rf"<(?:[!?][A-Za-z\-][^>\r\n]*|/?{SGML_NAME}"
    rf"(?:[ ]+(?:{SGML_NAME}[ ]*=[ ]*{SGML_VALUE}|{SGML_NAME}|{SGML_VALUE}|[ ]*/))*[ ]*/?)>"
)
WORD = rf"{LETTER}(?:{LETTER}|{DIGIT})*(?:[.!?]{LETTER}(?:{LETTER}|{DIGIT})*)*"
NUM_ALTERNATIVES = (
    rf"{DIGIT}*(?:[.:,\u00AD\u066B\u066C]{DIGIT}+)+",
    rf"{DIGIT}+",
)
REDAUX = rf"{APOS}(?:[msdMSD]|(?i:re|ve|ll))"
SREDAUX = rf"[nN]{APOSETC}[tT]"
ACRO_SPECIAL = r"(?i:U\.S\.-(?:U\.K|U\.S\.S\.R))|(?i:Canada|Sino|Korean|EU|Japan|non)-(?i:U\.S)"
# ACRO admits a single letter ("I."); ACRO2, used inside hyphenated words, needs two.
ACRO = rf"(?:{ACRO_SPECIAL}|[A-Za-z](?:\.[A-Za-z])*)"
ACRO2 = rf"(?:{ACRO_SPECIAL}|[A-Za-z](?:\.[A-Za-z])+)"
ALNUM = rf"(?:{LETTER_CHAR}|{DIGIT})"
THING_PART = rf"(?:[dDoOlL]{APOSETC}{ALNUM})?{ALNUM}+"
HYPHEN = r"[-_\u058A\u2010\u2011]"


def _alternatives(words: Sequence[str]) -> str:
    # Longest first: Python's alternation takes the first that fits, JFlex the longest.
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Abbreviations, as the 3.4.1 lexer knows them (found by probing it).
ABBREV1_WORDS = _words(
    # Months, days, US states, companies, number-like and post-name titles; usually followed by
    # a lower-case word, so a following capital marks a sentence end (and the period doubles).
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mon Tue Tues Wed Thu Thurs Fri "
    "Ala Ariz Calif Colo Conn Ct Dak Fla Ga Ind Kan Kans Ky Md Mich Minn Mo Mont Neb Nev "
    "Okla Penn Tenn Va Vt Wis Wisc Wyo "
    "Inc Co Cos Corp Pte Ptes Pty Ptys Ppte Pptes Ppty Pptys Ltd Plc Rt Bancorp Bhd Assn "
    "Univ Intl Sys tel est ext sq Jr Sr Bros Blvd Rd Esq etc al seq Bldg"
)
# States whose first letter is case-sensitive in the reference ("Ark." but not "ark.").
ABBREV1_CASED_WORDS = _words("Az Ark Del Ill La Mass Miss Ore Pa Tex Wash")
ABBREV4_WORDS = _words(
    # Titles and the like, usually followed by a capitalised name: never a sentence end.
    "Mr Mrs Ms Dr Drs Prof Profs Sen Sens Rep Reps Atty Attys Lt Col Gen Messrs Gov Govs "
    "Adm Rev Maj Sgt Cpl Pvt Capt St Ste Ave Pres Lieut Rt Hon Brig Comdr Cmdr Pfc Spc "
    "Supt Supts Det Mt Ft Adj Adv Asst Assoc Ens Insp Mlle Mme Msgr Sfc Sr vs Alex Wm Jos "
    "Cie cf TREAS Ph Invt Elec Natl Mfg Mtg Dept Blvd Rd"
)
# Kept with their period only before a number ("fig. 3").
ABBREV3_WORDS = _words("ca fig figs prop no nos art bldg pp op")

ABBREV1 = (
    rf"(?:(?i:(?:Ed|Ph)\.D|{_alternatives(ABBREV1_WORDS)})"
    rf"|{'|'.join(f'{word[0]}(?i:{word[1:]})' for word in ABBREV1_CASED_WORDS)})\."
)
ABBREV4 = rf"(?:{ACRO}|(?i:a\.k\.a|{_alternatives(ABBREV4_WORDS)})|M(?i:iss)|[A-Za-z])"
ABBREV3 = rf"(?i:{_alternatives(ABBREV3_WORDS)})\."
ACRONYM_FOLLOWERS = (
    "About|According|Additionally|After|An|As|At|A|But|Earlier|However|Here|Her|He|If|In|It|"
    r"Last|Many|More|Mr\.|Ms\.|Now|Once|One|Other|Our|She|Since|Some|Such|So|That|Their|"
    "Then|There|These|They|This|The|We|When|While|What|Yet|You"
)
# Only the first letter of each follower is case-sensitive ("[A]bout" in the reference).
ACRONYM_NEXT = "|".join(
    f"{word[0]}(?i:{word[1:]})" if len(word) > 1 else word for word in ACRONYM_FOLLOWERS.split("|")
)
QUOTE_CHARS = (
    "`\u2018\u2019\u201a\u201b\u201c\u201d\u0091\u0092\u0093\u0094\u201e\u201f\u2039\u203a"
    "\u00ab\u00bb"
)
MISC_SYMBOL = (
    "+%&~\\^|\\\\\u00a6\u00a7\u00a8\u00a9\u00ac\u00ae\u00af\u00b0-\u00b3\u00b4-\u00ba\u00d7"
    "\u00f7\u0387\u05be\u05c0\u05c3\u05c6\u05f3\u05f4\u0600-\u0603\u0606-\u060a\u060c\u0614"
    "\u061b\u061e\u066a\u066d\u0703-\u070d\u07f6\u07f7\u07f8\u0964\u0965\u0e4f\u1fbd\u2016"
    "\u2017\u2020-\u2023\u2030-\u2038\u203b\u203e-\u2042\u2044\u207a-\u207f\u208a-\u208e"
    "\u2100-\u214f\u2190-\u21ff\u2200-\u2bff\u3012\u30fb\uff01-\uff0f\uff1a-\uff20"
    "\uff3b-\uff40\uff5b-\uff65"
)
FILENAME_EXTENSIONS = (
    "bat|bmp|class|cgi|cpp|c|dll|docx|doc|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov|mp3|pdf|"
    "php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip"
)
URL_STOP = r" \t\n\f\r\"<>|"
URL_PATH = rf"(?:/[^{URL_STOP}()]+[^{URL_STOP}.!?(){{}},-])?"
