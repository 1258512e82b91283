"""Answer normalisation of the official VQA evaluation (GT-Vision-Lab/VQA, ``vqaEval.py``).

Reproduced rule for rule, quirks included, because published VQA accuracies depend on them:

* :func:`process_punctuation`: each of the 21 marks in :data:`PUNCTUATION` is deleted when the
  *original* answer has that mark next to a space, or contains a digit-comma-digit anywhere;
  otherwise it becomes a space. Then periods not followed by a digit are deleted - at most 32
  of them, because the official code passes ``re.UNICODE`` (= 32) where ``re.sub`` expects its
  ``count``. Its look-behind ``(?!<=\\d)`` is written as a look-ahead, so a period after a digit
  is deleted too ("5." → "5"), while "3.5" keeps its period. Apostrophes, colons, ``*``, ``#``,
  ``$``, ``%``, ``&``, ``^``, ``~``, ``|`` and ``'`` are untouched.
* :func:`process_digit_article`: lower-case, split on whitespace, map the number words "none",
  "zero" ... "ten" to digits ("none" → "0"), drop "a", "an", "the", then restore apostrophes
  of listed contractions ("dont" → "don't"), then join with single spaces.
* A prediction gets both, after newlines and tabs become spaces and the ends are stripped
  (:func:`normalize_prediction`). The ten human answers get only :func:`process_punctuation`,
  and only when they are not all identical (see :mod:`polymodal.metrics.vqa`).
"""

from __future__ import annotations

import re

#: Marks that ``process_punctuation`` deletes or turns into spaces (order as in the official code).
PUNCTUATION = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@",
               "`", ",", "?", "!")  # fmt: skip
# Official: re.compile("(?!<=\d)(\.)(?!\d)"); the first group is a look-ahead for "<=" + digit,
# which can never match before a ".", so only "not followed by a digit" matters.
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA_STRIP = re.compile(r"(\d)(,)(\d)")
# re.UNICODE's value, which the official code passes as re.sub's count.
_PERIOD_STRIP_COUNT = 32

#: Number words the official code turns into digits.
NUMBER_WORDS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
ARTICLES = frozenset(["a", "an", "the"])

# Contractions restored by the official code: written-without-apostrophe form → with it. The
# entries with capitals can never fire (answers are lower-cased first) and "somebody'd" maps to
# "somebodyd"; both are kept because they are part of the official behaviour.
_CONTRACTION_PAIRS = """
aint ain't|arent aren't|cant can't|couldve could've|couldnt couldn't|couldn'tve couldn't've
couldnt've couldn't've|didnt didn't|doesnt doesn't|dont don't|hadnt hadn't|hadnt've hadn't've
hadn'tve hadn't've|hasnt hasn't|havent haven't|hed he'd|hed've he'd've|he'dve he'd've|hes he's
howd how'd|howll how'll|hows how's|Id've I'd've|I'dve I'd've|Im I'm|Ive I've|isnt isn't|itd it'd
itd've it'd've|it'dve it'd've|itll it'll|let's let's|maam ma'am|mightnt mightn't
mightnt've mightn't've|mightn'tve mightn't've|mightve might've|mustnt mustn't|mustve must've
neednt needn't|notve not've|oclock o'clock|oughtnt oughtn't|ow's'at 'ow's'at|'ows'at 'ow's'at
'ow'sat 'ow's'at|shant shan't|shed've she'd've|she'dve she'd've|she's she's|shouldve should've
shouldnt shouldn't|shouldnt've shouldn't've|shouldn'tve shouldn't've|somebody'd somebodyd
somebodyd've somebody'd've|somebody'dve somebody'd've|somebodyll somebody'll|somebodys somebody's
someoned someone'd|someoned've someone'd've|someone'dve someone'd've|someonell someone'll
someones someone's|somethingd something'd|somethingd've something'd've
something'dve something'd've|somethingll something'll|thats that's|thered there'd
thered've there'd've|there'dve there'd've|therere there're|theres there's|theyd they'd
theyd've they'd've|they'dve they'd've|theyll they'll|theyre they're|theyve they've|twas 'twas
wasnt wasn't|wed've we'd've|we'dve we'd've|weve we've|werent weren't|whatll what'll|whatre what're
whats what's|whatve what've|whens when's|whered where'd|wheres where's|whereve where've|whod who'd
whod've who'd've|who'dve who'd've|wholl who'll|whos who's|whove who've|whyll why'll|whyre why're
whys why's|wont won't|wouldve would've|wouldnt wouldn't|wouldnt've wouldn't've
wouldn'tve wouldn't've|yall y'all|yall'll y'all'll|y'allll y'all'll|yall'd've y'all'd've
y'alld've y'all'd've|y'all'dve y'all'd've|youd you'd|youd've you'd've|you'dve you'd've|youll you'll
youre you're|youve you've
"""
#: The official contractions map.
CONTRACTIONS = dict(
    pair.split(" ") for pair in _CONTRACTION_PAIRS.replace("\n", "|").split("|") if pair
)


def process_punctuation(text: str) -> str:
    """The official ``processPunctuation``: strip or space out punctuation, drop periods."""
    output = text
    # The test looks at the original text for every mark, not at the text being rewritten.
    has_digit_comma = _COMMA_STRIP.search(text) is not None
    for mark in PUNCTUATION:
        if has_digit_comma or mark + " " in text or " " + mark in text:
            output = output.replace(mark, "")
        else:
            output = output.replace(mark, " ")
    return _PERIOD_STRIP.sub("", output, count=_PERIOD_STRIP_COUNT)


def process_digit_article(text: str) -> str:
    """The official ``processDigitArticle``: number words, articles, contractions."""
    words = [NUMBER_WORDS.get(word, word) for word in text.lower().split()]
    words = [word for word in words if word not in ARTICLES]
    return " ".join(CONTRACTIONS.get(word, word) for word in words)


def normalize_prediction(answer: str) -> str:
    """A predicted answer as the official evaluation compares it."""
    answer = answer.replace("\n", " ").replace("\t", " ").strip()
    return process_digit_article(process_punctuation(answer))


__all__ = [
    "ARTICLES",
    "CONTRACTIONS",
    "NUMBER_WORDS",
    "PUNCTUATION",
    "normalize_prediction",
    "process_digit_article",
    "process_punctuation",
]
