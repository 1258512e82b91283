"""Seeded generator of messy caption text, for comparing tokenizers and metrics."""

from __future__ import annotations

import random


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "a an the man woman dog cat dogs people group of two three young old red blue green "
    "white black small large is are sitting standing on in at with next to near front table "
    "street bus train plane pizza kitchen bathroom toilet sink giraffe elephant zebra horse "
    "riding holding playing tennis frisbee skateboard surfboard wave beach snow field grass "
    "park city building sign clock tower water boat bird bench bed couch room window laptop "
    "phone while and or but very some many several top down up over under its his her their "
    "this that there here colour centre behaviour grey theatre organise"
)
CONTRACTIONS = _words(
    "don't doesn't isn't aren't can't won't it's he's she's that's there's what's let's I'm "
    "you're we're they're I've you've we've they've I'll you'll he'll she'll I'd you'd he'd "
    "cannot gonna wanna gotta dog's man's people's dogs' cats' James' y'all o'clock 'em "
    "'cause rock'n'roll ma'am O'Neil d'Avignon couldn't wouldn't shouldn't ain't 'tis 'twas "
    "'90s 60's"
)
ABBREVIATIONS = _words(
    "Mr. Mrs. Dr. St. U.S. U.K. a.m. p.m. e.g. i.e. etc. Inc. Co. Jan. Feb. vs. No. Jr. "
    "Ph.D. A. I. D.C. N.Y. Ave. Fig. approx."
)
NUMBERS = _words(
    "1 2 3 10 12 100 2012 1,000 3.5 .5 0.25 5:30 12:00 1/2 3/4 5-6 3-4 1/2/2012 -3 +4 50% "
    "$5 $3.50 US$5 #1 2nd 3rd 4th 10th 1990s 3-year-old 5 7/8 555-1234 (555) 123-4567"
)
HYPHENATED = _words(
    "well-known black-and-white e-mail t-shirt x-ray half-eaten hot-dog co-workers anti-war "
    "pro-life non-U.S. mid-air two-story old-fashioned self-driving"
)
SYMBOLS = _words(
    ". , ; : ! ? ... -- - --- ( ) [ ] { } & * + = / < > ~ ^ | \\ @ # % $ _ '' `` ` ' \" "
    ":) :( ;) :D <3 ^_^ ’ “ ” ‘ — – … ½ é £ €"
)
SPECIAL = _words(
    "www.example.com http://example.org/a/b user@example.com @someone #hashtag c++ file.jpg "
    "hello.World a.b.c &amp; &quot; <b> </b> <<x>> naïve café Über résumé"
)


def _word(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        word = rng.choice(WORDS)
    elif roll < 0.67:
        word = rng.choice(CONTRACTIONS)
    elif roll < 0.75:
        word = rng.choice(NUMBERS)
    elif roll < 0.82:
        word = rng.choice(HYPHENATED)
    elif roll < 0.87:
        word = rng.choice(ABBREVIATIONS)
    elif roll < 0.97:
        word = rng.choice(SYMBOLS)
    else:
        word = rng.choice(SPECIAL)
    case = rng.random()
    if case < 0.12:
        word = word.capitalize()
    elif case < 0.15:
        word = word.upper()
    return word


def random_caption(rng: random.Random) -> str:
    """One caption of 1-20 pieces, glued with spaces, no space, or several spaces."""
    pieces = [_word(rng) for _ in range(rng.randint(1, 20))]
    text = pieces[0]
    for piece in pieces[1:]:
        glue = rng.random()
        text += "" if glue < 0.2 else ("  " if glue < 0.23 else " ")
        text += piece
    if rng.random() < 0.5:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.4:
        text += rng.choice([".", " .", "!", "?", "...", ". ", " "])
    return text


def random_captions(count: int, seed: int) -> list[str]:
    """``count`` random captions from a seeded generator."""
    rng = random.Random(seed)
    return [random_caption(rng) for _ in range(count)]
