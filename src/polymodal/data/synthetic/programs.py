"""Executing CLEVR functional programs on a scene.

A program is CLEVR's list of steps ``{"function", "inputs", "value_inputs"}``; ``inputs`` are
indices of earlier steps. Supported functions (CLEVR's names): ``scene``,
``filter_<attribute>``, ``unique``, ``relate``, ``count``, ``exist``, ``query_<attribute>``,
``equal_<attribute>``, ``equal_integer``, ``greater_than``, ``less_than``; attributes are
``size``, ``color``, ``material``, ``shape``. Answers are strings as in CLEVR's files:
``yes``/``no``, counts as digits, attribute values as words.
"""

from __future__ import annotations

from typing import Any

from polymodal.data.synthetic.scenes import ATTRIBUTES


class ProgramError(ValueError):
    """A program that does not apply to the scene (e.g. ``unique`` of two objects)."""


def _unique(objects: list[int]) -> int:
    if len(objects) != 1:
        raise ProgramError(f"unique() of {len(objects)} objects")
    return objects[0]


def _step(function: str, args: list[Any], values: list[str], scene: dict[str, Any]) -> Any:
    objects = scene["objects"]
    kind, _, attribute = function.partition("_")
    if function == "scene":
        return list(range(len(objects)))
    if kind == "filter" and attribute in ATTRIBUTES:
        return [i for i in args[0] if objects[i][attribute] == values[0]]
    if function == "unique":
        return _unique(args[0])
    if function == "relate":
        return list(scene["relationships"][values[0]][args[0]])
    if function == "count":
        return len(args[0])
    if function == "exist":
        return bool(args[0])
    if kind == "query" and attribute in ATTRIBUTES:
        return objects[args[0]][attribute]
    if kind == "equal" and (attribute in ATTRIBUTES or attribute == "integer"):
        return args[0] == args[1]
    if function == "greater_than":
        return args[0] > args[1]
    if function == "less_than":
        return args[0] < args[1]
    raise ProgramError(f"unknown function {function!r}")


def execute(program: list[dict[str, Any]], scene: dict[str, Any]) -> str:
    """The answer of ``program`` on ``scene``.

    Raises:
        ProgramError: the program does not apply (unknown function, non-unique object).
    """
    results: list[Any] = []
    for step in program:
        args = [results[i] for i in step["inputs"]]
        results.append(_step(step["function"], args, list(step["value_inputs"]), scene))
    answer = results[-1]
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, list):
        raise ProgramError("the program ends in a set of objects, not an answer")
    return str(answer)
