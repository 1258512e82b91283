"""Captions of a scene from templates.

:func:`full_description` names every object from left to right (with the margins of
:mod:`~polymodal.data.synthetic.scenes` the order is well defined), so it identifies its image
and suits image-text retrieval; :func:`template_caption` says one thing about one or two
objects, as a human caption would.
"""

from __future__ import annotations

import random
from typing import Any

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
