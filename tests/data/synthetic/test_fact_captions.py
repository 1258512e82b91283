"""Fact captions: read each one back and check it against its scene's objects."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from polymodal.data.synthetic.captions import (
    describe,
    fact_caption,
    full_description,
    template_caption,
)
from polymodal.data.synthetic.datasets import SyntheticCaptions
from polymodal.data.synthetic.scenes import VALUES

_ATTRIBUTE_OF = {value: attribute for attribute, values in VALUES.items() for value in values}
_NUMBER = {w: i for i, w in enumerate(["no", "one", "two", "three", "four", "five", "six"])}
_RELATION = {"left of": "left", "right of": "right", "in front of": "front", "behind": "behind"}
_REL = "(left of|right of|in front of|behind)"


def _filters(phrase: str) -> dict[str, str]:
    """``large red metal cube`` / ``red things`` → attribute filters."""
    *adjectives, noun = phrase.split()
    filters = {_ATTRIBUTE_OF[word]: word for word in adjectives}
    assert len(filters) == len(adjectives), phrase
    if noun not in ("thing", "things"):
        assert noun.removesuffix("s") in VALUES["shape"], phrase
        filters["shape"] = noun.removesuffix("s")
    return filters


def _select(scene: dict[str, Any], phrase: str, among: list[int] | None = None) -> list[int]:
    filters = _filters(phrase)
    pool = range(len(scene["objects"])) if among is None else among
    return [i for i in pool if all(scene["objects"][i][a] == v for a, v in filters.items())]


def _the(scene: dict[str, Any], phrase: str, among: list[int] | None = None) -> int:
    """The one object ``the <phrase>`` names (it must be unique)."""
    found = _select(scene, phrase, among)
    assert len(found) == 1, f"'the {phrase}' names {len(found)} objects"
    return found[0]


def _related(scene: dict[str, Any], relation: str, anchor: str) -> list[int]:
    return list(scene["relationships"][_RELATION[relation]][_the(scene, anchor)])


def check_fact(scene: dict[str, Any], caption: str) -> str:
    """Asserts that ``caption`` holds in ``scene``; returns the kind of fact."""
    objects = scene["objects"]
    if m := re.fullmatch(
        rf"the (\w+) of the (.+) that is {_REL} the (.+) is (?:a )?(\w+)\.", caption
    ):
        attribute, target, relation, anchor, value = m.groups()
        assert objects[_the(scene, target, _related(scene, relation, anchor))][attribute] == value
        return "relate_query"
    if m := re.fullmatch(r"the (size|color|material|shape) of the (.+) is (?:a )?(\w+)\.", caption):
        attribute, target, value = m.groups()
        assert attribute not in _filters(target)  # the description does not give it away
        assert objects[_the(scene, target)][attribute] == value
        return "query"
    if m := re.fullmatch(r"(\w+) is the (size|color|material|shape) of the (.+)\.", caption):
        value, attribute, target = m.groups()
        assert attribute not in _filters(target)
        assert objects[_the(scene, target)][attribute] == value
        return "query"
    if m := re.fullmatch(r"the (.+) (has|does not have) the same (\w+) as the (.+)\.", caption):
        first, verb, attribute, second = m.groups()
        same = objects[_the(scene, first)][attribute] == objects[_the(scene, second)][attribute]
        assert same == (verb == "has")
        return "compare_attribute"
    if m := re.fullmatch(r"there are (more|fewer) (.+) than (.+)\.", caption):
        relation, first, second = m.groups()
        counts = len(_select(scene, first)), len(_select(scene, second))
        assert counts[0] > counts[1] if relation == "more" else counts[0] < counts[1]
        return "compare_count"
    if m := re.fullmatch(r"there are the same number of (.+) and (.+)\.", caption):
        assert len(_select(scene, m.group(1))) == len(_select(scene, m.group(2)))
        return "compare_count"
    if m := re.fullmatch(rf"there (?:is|are) (\w+) (.+?) {_REL} the (.+)\.", caption):
        number, counted, relation, anchor = m.groups()
        assert len(_select(scene, counted, _related(scene, relation, anchor))) == _NUMBER[number]
        return "relate_count"
    if m := re.fullmatch(r"there (is|are) (\w+) (.+)\.", caption):
        verb, number, counted = m.groups()
        assert (verb == "is") == (number == "one")
        assert len(_select(scene, counted)) == _NUMBER[number]
        return "count"
    if m := re.fullmatch(r"the (.+) is made of (rubber|metal)\.", caption):
        assert objects[_the(scene, m.group(1))]["material"] == m.group(2)
        return "query"
    if m := re.fullmatch(r"the (.+) is (?:a )?(\w+)\.", caption):
        target, value = m.groups()
        attribute = _ATTRIBUTE_OF[value]
        assert attribute != "material"  # said as "is made of"
        assert attribute not in _filters(target)
        assert objects[_the(scene, target)][attribute] == value
        return "query"
    raise AssertionError(f"not a fact caption: {caption!r}")


def test_fact_captions_are_true_of_their_scenes() -> None:
    data = SyntheticCaptions("train", num_images=150, captions_per_image=1, seed=3)
    kinds: dict[str, int] = {}
    for index, scene in enumerate(data.scenes):
        rng = random.Random(index)
        for _ in range(20):
            kind = check_fact(scene, fact_caption(scene, rng))
            kinds[kind] = kinds.get(kind, 0) + 1
    assert set(kinds) == {
        "query",
        "count",
        "compare_attribute",
        "compare_count",
        "relate_query",
        "relate_count",
    }
    assert min(kinds.values()) > 150  # every kind is common


def test_the_checker_catches_a_false_fact() -> None:
    scene = SyntheticCaptions("train", num_images=1, seed=0).scenes[0]
    count = len(scene["objects"])
    assert check_fact(scene, f"there are {list(_NUMBER)[count]} things.") == "count"
    with pytest.raises(AssertionError):
        check_fact(scene, f"there are {list(_NUMBER)[count - 1]} things.")
    target = scene["objects"][0]
    described = " ".join(target[a] for a in ("size", "color", "material", "shape"))
    wrong = next(c for c in VALUES["shape"] if c != target["shape"])
    with pytest.raises(AssertionError):
        check_fact(scene, f"the {described.rsplit(' ', 1)[0]} thing is a {wrong}.")


def test_facts_style_mixes_template_and_fact_captions() -> None:
    data = SyntheticCaptions("train", num_images=40, captions_per_image=5, style="facts", seed=0)
    template = SyntheticCaptions("train", num_images=40, captions_per_image=5, seed=0)
    assert [s["objects"] for s in data.scenes] == [s["objects"] for s in template.scenes]
    facts = 0
    for scene, captions in zip(data.scenes, data.captions, strict=True):
        for caption in captions:
            try:
                check_fact(scene, caption)
                facts += 1
            except AssertionError:
                # Not a fact: then a template caption, which names whole objects ("a small ...").
                assert re.search(r"\ba (small|large) \w+ (rubber|metal) \w+", caption), caption
    assert 0.35 < facts / 200 < 0.65
    words = {w for cs in data.captions for c in cs for w in re.findall(r"[a-z]+", c)}
    assert {"color", "size", "shape", "material", "same", "number", "more", "fewer"} <= words
    with pytest.raises(ValueError, match="facts"):
        SyntheticCaptions("train", num_images=1, style="questions")


def test_template_captions_are_unchanged_by_the_facts_style() -> None:
    data = SyntheticCaptions("train", num_images=3, captions_per_image=2, seed=0)
    for index, (scene, captions) in enumerate(zip(data.scenes, data.captions, strict=True)):
        rng = random.Random(f"captions/0/train/{index}")
        assert captions == [template_caption(scene, rng) for _ in range(2)]


def test_descriptions_replace_the_first_captions_and_name_every_object() -> None:
    plain = SyntheticCaptions("train", num_images=5, captions_per_image=4, style="facts", seed=0)
    described = SyntheticCaptions(
        "train", num_images=5, captions_per_image=4, style="facts", seed=0, descriptions=1
    )
    for scene, captions, before in zip(
        described.scenes, described.captions, plain.captions, strict=True
    ):
        assert len(captions) == 4
        assert captions[0] == full_description(scene)
        assert all(describe(obj) in captions[0] for obj in scene["objects"])
        assert captions[1:] == before[:3]  # the other captions as without descriptions
    with pytest.raises(ValueError, match="descriptions"):
        SyntheticCaptions("train", num_images=1, captions_per_image=2, descriptions=3)
    with pytest.raises(ValueError, match="descriptions"):
        SyntheticCaptions("train", num_images=1, style="retrieval", descriptions=1)
