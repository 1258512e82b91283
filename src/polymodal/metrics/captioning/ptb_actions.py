"""How the PTB lexer rules (:mod:`.ptb_rules`) normalise the text they match."""

from __future__ import annotations

import re
from collections.abc import Callable


def latex_quotes(token: str, probably_left: bool) -> str:
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


def right_quote(token: str) -> str:
    return latex_quotes(token, probably_left=False)


def left_quote(token: str) -> str:
    return latex_quotes(token, probably_left=True)


def remove_soft_hyphens(token: str) -> str:
    return token.replace("\u00ad", "") or "-"


def non_breaking_spaces(token: str) -> str:
    return token.replace(" ", "\u00a0")


def brackets_in_token(token: str) -> str:
    return token.replace("(", "-LRB-").replace(")", "-RRB-")


FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3"}


def fraction_char(token: str) -> str:
    return FRACTIONS.get(token, token)


def currency(token: str) -> str:
    token = token.replace("\u00a2", "cents").replace("\u00a3", "#")
    return re.sub("[\u0080\u00a4\u20a0\u20ac]", "$", token)


def ellipsis(token: str) -> str:
    return "..."


def dashes(token: str) -> str:
    return "--" if 3 <= len(token) <= 4 else token


def amp(token: str) -> str:
    return re.sub(r"(?i:&amp;)", "&", token)


def constant(value: str) -> Callable[[str], str]:
    def action(token: str) -> str:
        return value

    return action


def same(token: str) -> str:
    return token
