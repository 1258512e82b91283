"""Compositional questions about a scene, from templates, each with its functional program.

Families (``question_family_index``): 0 exist, 1 count, 2 query an attribute, 3 compare two
counts (more / fewer / same number), 4 compare two objects' attributes, 5 query an attribute of
an object related to another (left of, right of, in front of, behind), 6 count related objects,
7 exist related objects. Every answer is computed by executing the program
(:func:`polymodal.data.synthetic.programs.execute`), so text, program and answer agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from polymodal.data.synthetic.programs import ProgramError, execute
from polymodal.data.synthetic.scenes import ATTRIBUTES, RELATIONS, VALUES

FAMILIES = (
    "exist",
    "count",
    "query",
    "compare_count",
    "compare_attribute",
    "relate_query",
    "relate_count",
    "relate_exist",
)
RELATION_PHRASES = {
    "left": "left of",
    "right": "right of",
    "front": "in front of",
    "behind": "behind",
}
Filters = dict[str, str]


def noun_phrase(filters: Filters, plural: bool = False) -> str:
    """``large red metal cube`` / ``small things``: size, colour, material, shape."""
    words = [filters[a] for a in ("size", "color", "material") if a in filters]
    noun = filters.get("shape", "thing")
    return " ".join([*words, noun + ("s" if plural else "")])


class _Program:
    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []

    def add(self, function: str, inputs: Sequence[int] = (), values: Sequence[str] = ()) -> int:
        self.steps.append(
            {"function": function, "inputs": list(inputs), "value_inputs": list(values)}
        )
        return len(self.steps) - 1

    def select(self, filters: Filters, start: int | None = None) -> int:
        """scene (or ``start``) followed by one filter per attribute."""
        node = self.add("scene") if start is None else start
        for attribute in ATTRIBUTES:
            if attribute in filters:
                node = self.add(f"filter_{attribute}", [node], [filters[attribute]])
        return node


def _matching(
    objects: list[dict[str, Any]], candidates: Sequence[int], filters: Filters
) -> list[int]:
    return [i for i in candidates if all(objects[i][a] == v for a, v in filters.items())]


def unique_filters(
    scene: dict[str, Any],
    target: int,
    rng: random.Random,
    candidates: Sequence[int] | None = None,
    exclude: Sequence[str] = (),
) -> Filters | None:
    """The fewest of ``target``'s attributes (in random order) that single it out among
    ``candidates``; ``None`` when no description does."""
    objects = scene["objects"]
    pool = list(range(len(objects))) if candidates is None else list(candidates)
    order = [a for a in ATTRIBUTES if a not in exclude]
    rng.shuffle(order)
    filters: Filters = {}
    for attribute in order:
        filters[attribute] = objects[target][attribute]
        if _matching(objects, pool, filters) == [target]:
            return filters
    return None


def _random_filters(scene: dict[str, Any], rng: random.Random) -> Filters:
    """One or two attributes, half the time taken from an object in the scene (so that
    "yes" and non-zero counts are common)."""
    attributes = rng.sample(ATTRIBUTES, rng.randint(1, 2))
    source = rng.choice(scene["objects"]) if rng.random() < 0.5 else None
    return {a: source[a] if source else rng.choice(VALUES[a]) for a in attributes}


Built = tuple[str, _Program]


def _exist(scene: dict[str, Any], rng: random.Random) -> Built | None:
    filters, program = _random_filters(scene, rng), _Program()
    program.add("exist", [program.select(filters)])
    text = rng.choice(["Are there any {}?", "Is there a {}?"])
    return text.format(noun_phrase(filters, plural="any" in text)), program


def _count(scene: dict[str, Any], rng: random.Random) -> Built | None:
    filters, program = _random_filters(scene, rng), _Program()
    program.add("count", [program.select(filters)])
    text = rng.choice(["How many {} are there?", "What number of {} are there?"])
    return text.format(noun_phrase(filters, plural=True)), program


def _query(scene: dict[str, Any], rng: random.Random) -> Built | None:
    attribute = rng.choice(ATTRIBUTES)
    target = rng.randrange(len(scene["objects"]))
    filters = unique_filters(scene, target, rng, exclude=[attribute])
    if filters is None:
        return None
    program = _Program()
    program.add(f"query_{attribute}", [program.add("unique", [program.select(filters)])])
    text = rng.choice(["What {} is the {}?", "What is the {} of the {}?"])
    return text.format(attribute, noun_phrase(filters)), program


def _compare_count(scene: dict[str, Any], rng: random.Random) -> Built | None:
    first, second = _random_filters(scene, rng), _random_filters(scene, rng)
    if first == second:
        return None
    program = _Program()
    counts = [program.add("count", [program.select(f)]) for f in (first, second)]
    function, text = rng.choice(
        [
            ("greater_than", "Are there more {} than {}?"),
            ("less_than", "Are there fewer {} than {}?"),
            ("equal_integer", "Are there the same number of {} and {}?"),
        ]
    )
    program.add(function, counts)
    return text.format(noun_phrase(first, True), noun_phrase(second, True)), program


def _compare_attribute(scene: dict[str, Any], rng: random.Random) -> Built | None:
    if len(scene["objects"]) < 2:
        return None
    attribute = rng.choice(ATTRIBUTES)
    first, second = rng.sample(range(len(scene["objects"])), 2)
    found = [unique_filters(scene, t, rng, exclude=[attribute]) for t in (first, second)]
    descriptions = [d for d in found if d is not None]
    if len(descriptions) != 2:
        return None
    program = _Program()
    queries = [
        program.add(f"query_{attribute}", [program.add("unique", [program.select(d)])])
        for d in descriptions
    ]
    program.add(f"equal_{attribute}", queries)
    text = f"Does the {{}} have the same {attribute} as the {{}}?"
    return text.format(*(noun_phrase(d) for d in descriptions)), program


def _anchor(scene: dict[str, Any], rng: random.Random) -> tuple[Filters, str, int, _Program] | None:
    """A uniquely described object and a relation: the start of a spatial question."""
    anchor = rng.randrange(len(scene["objects"]))
    filters = unique_filters(scene, anchor, rng)
    if filters is None:
        return None
    relation = rng.choice(RELATIONS)
    program = _Program()
    related = program.add("relate", [program.add("unique", [program.select(filters)])], [relation])
    return filters, relation, related, program


def _relate_query(scene: dict[str, Any], rng: random.Random) -> Built | None:
    start = _anchor(scene, rng)
    if start is None:
        return None
    filters, relation, related, program = start
    objects_related = scene["relationships"][relation][execute_unique(scene, filters)]
    if not objects_related:
        return None
    attribute = rng.choice(ATTRIBUTES)
    target = rng.choice(objects_related)
    described = unique_filters(scene, target, rng, objects_related, exclude=[attribute])
    if described is None:
        return None
    node = program.add("unique", [program.select(described, start=related)])
    program.add(f"query_{attribute}", [node])
    text = f"What {attribute} is the {{}} that is {RELATION_PHRASES[relation]} the {{}}?"
    return text.format(noun_phrase(described), noun_phrase(filters)), program


def _relate_count(scene: dict[str, Any], rng: random.Random) -> Built | None:
    start = _anchor(scene, rng)
    if start is None:
        return None
    filters, relation, related, program = start
    counted = _random_filters(scene, rng) if rng.random() < 0.7 else {}
    program.add("count", [program.select(counted, start=related)])
    phrase = RELATION_PHRASES[relation]
    text = f"How many {noun_phrase(counted, True)} are {phrase} the {noun_phrase(filters)}?"
    return text, program


def _relate_exist(scene: dict[str, Any], rng: random.Random) -> Built | None:
    start = _anchor(scene, rng)
    if start is None:
        return None
    filters, relation, related, program = start
    wanted = _random_filters(scene, rng)
    program.add("exist", [program.select(wanted, start=related)])
    phrase = RELATION_PHRASES[relation]
    return f"Is there a {noun_phrase(wanted)} {phrase} the {noun_phrase(filters)}?", program


def execute_unique(scene: dict[str, Any], filters: Filters) -> int:
    matches = _matching(scene["objects"], range(len(scene["objects"])), filters)
    if len(matches) != 1:
        raise ProgramError("description is not unique")
    return matches[0]


_BUILDERS: dict[str, Callable[[dict[str, Any], random.Random], Built | None]] = {
    "exist": _exist,
    "count": _count,
    "query": _query,
    "compare_count": _compare_count,
    "compare_attribute": _compare_attribute,
    "relate_query": _relate_query,
    "relate_count": _relate_count,
    "relate_exist": _relate_exist,
}


def generate_question(
    scene: dict[str, Any],
    rng: random.Random,
    families: Sequence[str] = FAMILIES,
    attempts: int = 50,
) -> dict[str, Any] | None:
    """One question in CLEVR's question format (without ``question_index``), or ``None``
    when no family produced a valid question in ``attempts`` tries."""
    for _ in range(attempts):
        family = rng.choice(list(families))
        built = _BUILDERS[family](scene, rng)
        if built is None:
            continue
        text, program = built
        try:
            answer = execute(program.steps, scene)
        except ProgramError:
            continue
        return {
            "split": scene["split"],
            "image_index": scene["image_index"],
            "image_filename": scene["image_filename"],
            "question": text,
            "answer": answer,
            "program": program.steps,
            "question_family_index": FAMILIES.index(family),
        }
    return None
