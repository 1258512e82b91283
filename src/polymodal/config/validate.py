"""Checking a whole config before a run: every component importable, every argument bound.

:func:`validate` collects *all* problems, each prefixed with its config path, e.g.
``model.fusion.dim: unexpected argument 'dimm'``. Values that the recipe fills in at run time
(``???`` in the YAML, such as ``meta.vocab_size``) count as present.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Mapping
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    InterpolationToMissingValueError,
    MissingMandatoryValue,
    OmegaConfBaseException,
)

from polymodal.config.instantiate import COMPONENT_KEY, import_component
from polymodal.errors import ConfigError


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _check_interpolations(config: DictConfig) -> list[str]:
    problems = []
    for path in _leaf_paths(config):
        try:
            OmegaConf.select(config, path, throw_on_missing=True)
        except (MissingMandatoryValue, InterpolationToMissingValueError):
            continue  # ``???``: filled in by the recipe at run time
        except OmegaConfBaseException as error:
            message = str(error).splitlines()[0]
            problems.append(f"{path}: {message}")
    return problems


def _leaf_paths(node: Any, path: str = "") -> list[str]:
    if isinstance(node, DictConfig):
        children: list[tuple[Any, Any]] = [(k, node._get_node(k)) for k in node]
    elif isinstance(node, ListConfig):
        children = [(i, node._get_node(i)) for i in range(len(node))]
    else:
        return [path]
    paths: list[str] = []
    for key, child in children:
        paths += _leaf_paths(child, _join(path, key))
    return paths


def _check_component(raw: Mapping[str, Any], path: str, runtime_args: Collection[str]) -> list[str]:
    try:
        target = import_component(raw[COMPONENT_KEY])
    except ConfigError as error:
        return [f"{_join(path, COMPONENT_KEY)}: {error}"]
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []  # builtins without a signature: nothing to check
    parameters = signature.parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    given = {key for key in raw if key != COMPONENT_KEY} | set(runtime_args)
    problems = []
    if not accepts_any:
        for key in sorted(given - set(parameters)):
            if key in runtime_args:
                continue
            problems.append(f"{path}: unexpected argument {key!r} for {raw[COMPONENT_KEY]}")
    for name, parameter in parameters.items():
        required = parameter.default is inspect.Parameter.empty and parameter.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        )
        if required and name not in given:
            problems.append(f"{path}: missing required argument {name!r} for {raw[COMPONENT_KEY]}")
    return problems


def _walk(node: Any, path: str, runtime_args: Mapping[str, Collection[str]]) -> list[str]:
    problems: list[str] = []
    if isinstance(node, dict):
        if COMPONENT_KEY in node:
            problems += _check_component(node, path, runtime_args.get(path, ()))
        for key, value in node.items():
            problems += _walk(value, _join(path, key), runtime_args)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += _walk(value, _join(path, index), runtime_args)
    return problems


def validate(
    config: DictConfig, runtime_args: Mapping[str, Collection[str]] | None = None
) -> list[str]:
    """Returns every problem found in ``config`` (an empty list when it is sound).

    Args:
        config: the loaded config.
        runtime_args: config path → argument names the recipe passes itself when it builds
            that component (e.g. ``{"optimizer": {"params"}}``).
    """
    problems = _check_interpolations(config)
    raw = OmegaConf.to_container(config, resolve=False)
    problems += _walk(raw, "", runtime_args or {})
    return problems
