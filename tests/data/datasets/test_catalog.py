"""The dataset catalog names importable components with the arguments it passes them."""

from __future__ import annotations

import inspect

import pytest

from polymodal.config import import_component
from polymodal.data.datasets.catalog import CATALOG, find_entry


@pytest.mark.parametrize("entry", CATALOG, ids=[e.name for e in CATALOG])
def test_entries_match_their_components(entry) -> None:  # type: ignore[no-untyped-def]
    parameters = inspect.signature(import_component(entry.component)).parameters
    for argument in (entry.root_arg, entry.split_arg, *entry.arguments):
        if argument is not None:
            assert argument in parameters, f"{entry.component} has no argument {argument!r}"
    assert entry.layout and entry.splits and entry.summary


def test_names_are_unique_and_found() -> None:
    names = [entry.name for entry in CATALOG]
    assert len(names) == len(set(names))
    assert find_entry("vqa_v2").component.endswith("VQAv2")
    with pytest.raises(KeyError, match="unknown dataset 'coco'"):
        find_entry("coco")
