"""Captions of a scene from templates.

:func:`full_description` names every object from left to right (with the margins of
:mod:`~polymodal.data.synthetic.scenes` the order is well defined), so it identifies its image
and suits image-text retrieval; :func:`template_caption` says one thing about one or two
objects, as a human caption would; :func:`fact_caption` states one fact of the kind a question
asks about (an object's colour, size, material or shape, a count, a comparison), in the words
the questions of :mod:`~polymodal.data.synthetic.questions` use ("the color of the large metal
cube is red.", "there are two red things.").
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from polymodal.data.synthetic.questions import RELATION_PHRASES, noun_phrase, unique_filters
from polymodal.data.synthetic.scenes import ATTRIBUTES, RELATIONS, VALUES

_RELATIONS = {
    "left": "to the left of",
    "right": "to the right of",
    "front": "in front of",
    "behind": "behind",
}
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")


def describe(obj: dict[str, Any]) -> str:
    """``a large red metal cube``."""
    return f"a {obj['size']} {obj['color']} {obj['material']} {obj['shape']}"


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def full_description(scene: dict[str, Any]) -> str:
    """Every object, left to right: ``from left to right: a ..., a ... and a ...``."""
    ordered = sorted(scene["objects"], key=lambda obj: obj["3d_coords"][0])
    return "from left to right: " + _join([describe(obj) for obj in ordered]) + "."


def _relation(scene: dict[str, Any], first: int, second: int, rng: random.Random) -> str:
    """A relation that holds: ``first`` is <relation> ``second``."""
    holding = [r for r, rows in scene["relationships"].items() if first in rows[second]]
    return _RELATIONS[rng.choice(holding)]


def template_caption(scene: dict[str, Any], rng: random.Random) -> str:
    """One short caption about the scene."""
    objects = scene["objects"]
    count = len(objects)
    first = rng.randrange(count)
    kind = rng.randrange(4 if count > 1 else 2)
    if kind == 0:
        number = _NUMBERS[count] if count < len(_NUMBERS) else str(count)
        return f"{number} objects, including {describe(objects[first])}."
    if kind == 1:
        return f"there is {describe(objects[first])} in the scene."
    second = rng.choice([i for i in range(count) if i != first])
    if kind == 2:
        relation = _relation(scene, first, second, rng)
        return f"{describe(objects[first])} is {relation} {describe(objects[second])}."
    return f"a scene with {describe(objects[first])} and {describe(objects[second])}."


Filters = dict[str, str]


def _matching(scene: dict[str, Any], candidates: list[int], filters: Filters) -> list[int]:
    objects = scene["objects"]
    return [i for i in candidates if all(objects[i][a] == v for a, v in filters.items())]


def _some_filters(scene: dict[str, Any], rng: random.Random) -> Filters:
    """One or two attributes, half the time those of an object of the scene (as the questions
    choose what to count)."""
    attributes = rng.sample(ATTRIBUTES, rng.randint(1, 2))
    source = rng.choice(scene["objects"]) if rng.random() < 0.5 else None
    return {a: source[a] if source else rng.choice(VALUES[a]) for a in attributes}


def _value(attribute: str, value: str) -> str:
    return f"a {value}" if attribute == "shape" else value


def _there_are(count: int, filters: Filters) -> str:
    """``there is one red cube`` / ``there are no red cubes`` / ``there are two things``."""
    number = _NUMBERS[count] if count < len(_NUMBERS) else str(count)
    verb = "is" if count == 1 else "are"
    return f"there {verb} {number} {noun_phrase(filters, plural=count != 1)}"


def _fact_query(scene: dict[str, Any], rng: random.Random) -> str | None:
    attribute = rng.choice(ATTRIBUTES)
    target = rng.randrange(len(scene["objects"]))
    filters = unique_filters(scene, target, rng, exclude=[attribute])
    if filters is None:
        return None
    value = scene["objects"][target][attribute]
    form = rng.randrange(3)
    if form == 0:
        return f"the {attribute} of the {noun_phrase(filters)} is {_value(attribute, value)}."
    if form == 1:
        # The word order of "what is the color of the large metal cube?", the answer in place
        # of "what".
        return f"{value} is the {attribute} of the {noun_phrase(filters)}."
    verb = "is made of" if attribute == "material" else "is"
    return f"the {noun_phrase(filters)} {verb} {_value(attribute, value)}."


def _fact_count(scene: dict[str, Any], rng: random.Random) -> str | None:
    filters = _some_filters(scene, rng)
    count = len(_matching(scene, list(range(len(scene["objects"]))), filters))
    return _there_are(count, filters) + "."


def _fact_compare_attribute(scene: dict[str, Any], rng: random.Random) -> str | None:
    if len(scene["objects"]) < 2:
        return None
    attribute = rng.choice(ATTRIBUTES)
    first, second = rng.sample(range(len(scene["objects"])), 2)
    found = [unique_filters(scene, t, rng, exclude=[attribute]) for t in (first, second)]
    if found[0] is None or found[1] is None:
        return None
    objects = scene["objects"]
    same = objects[first][attribute] == objects[second][attribute]
    verb = "has" if same else "does not have"
    return (
        f"the {noun_phrase(found[0])} {verb} the same {attribute} as the {noun_phrase(found[1])}."
    )


def _fact_compare_count(scene: dict[str, Any], rng: random.Random) -> str | None:
    first, second = _some_filters(scene, rng), _some_filters(scene, rng)
    if first == second:
        return None
    everything = list(range(len(scene["objects"])))
    counts = [len(_matching(scene, everything, f)) for f in (first, second)]
    phrases = [noun_phrase(f, plural=True) for f in (first, second)]
    if counts[0] == counts[1]:
        return f"there are the same number of {phrases[0]} and {phrases[1]}."
    more = "more" if counts[0] > counts[1] else "fewer"
    return f"there are {more} {phrases[0]} than {phrases[1]}."


def _anchor(scene: dict[str, Any], rng: random.Random) -> tuple[Filters, str, list[int]] | None:
    """A uniquely described object, a relation, and the objects in that relation to it."""
    anchor = rng.randrange(len(scene["objects"]))
    filters = unique_filters(scene, anchor, rng)
    if filters is None:
        return None
    relation = rng.choice(RELATIONS)
    return filters, relation, list(scene["relationships"][relation][anchor])


def _fact_relate_query(scene: dict[str, Any], rng: random.Random) -> str | None:
    start = _anchor(scene, rng)
    if start is None or not start[2]:
        return None
    anchor, relation, related = start
    attribute = rng.choice(ATTRIBUTES)
    target = rng.choice(related)
    described = unique_filters(scene, target, rng, related, exclude=[attribute])
    if described is None:
        return None
    value = _value(attribute, scene["objects"][target][attribute])
    return (
        f"the {attribute} of the {noun_phrase(described)} that is {RELATION_PHRASES[relation]} "
        f"the {noun_phrase(anchor)} is {value}."
    )


def _fact_relate_count(scene: dict[str, Any], rng: random.Random) -> str | None:
    start = _anchor(scene, rng)
    if start is None:
        return None
    anchor, relation, related = start
    counted = _some_filters(scene, rng) if rng.random() < 0.7 else {}
    count = len(_matching(scene, related, counted))
    phrase = RELATION_PHRASES[relation]
    return f"{_there_are(count, counted)} {phrase} the {noun_phrase(anchor)}."


_FACTS: tuple[Callable[[dict[str, Any], random.Random], str | None], ...] = (
    _fact_query,
    _fact_count,
    _fact_compare_attribute,
    _fact_compare_count,
    _fact_relate_query,
    _fact_relate_count,
)


def fact_caption(scene: dict[str, Any], rng: random.Random, attempts: int = 50) -> str:
    """One true statement about the scene in the questions' words: an attribute of an object
    (``the color of the large metal cube is red.``, ``the small green thing is made of
    rubber.``, ``the shape of the red thing that is left of the small sphere is a cube.``), a
    count (``there are two red things.``, ``there is one cube behind the small sphere.``) or a
    comparison (``the small cube has the same color as the large sphere.``, ``there are more
    cubes than spheres.``). Objects are named by the fewest attributes that single them out.

    Every statement is computed from the scene, so it holds; when no kind applies in
    ``attempts`` tries the caption is a count (which always applies).
    """
    for _ in range(attempts):
        caption = rng.choice(_FACTS)(scene, rng)
        if caption is not None:
            return caption
    return _there_are(len(scene["objects"]), {}) + "."
