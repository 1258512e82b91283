"""Building objects from ``_component_: dotted.path`` config nodes."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from polymodal.errors import ConfigError

COMPONENT_KEY = "_component_"


def import_component(dotted_path: str) -> Callable[..., Any]:
    """Imports ``package.module.Name`` (or a nested attribute) and returns it.

    Raises:
        ConfigError: naming the part of the path that could not be found.
    """
    if not isinstance(dotted_path, str) or not dotted_path.strip():
        raise ConfigError(f"a _component_ must be a dotted path string, got {dotted_path!r}")
    parts = dotted_path.split(".")
    module = None
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # Only "this prefix is not a module" means try a shorter prefix; a module that
            # exists but fails to import is a real error worth seeing.
            if error.name is not None and module_name.startswith(error.name):
                continue
            raise
        target: Any = module
        for attribute in parts[split:]:
            if not hasattr(target, attribute):
                raise ConfigError(
                    f"cannot import {dotted_path!r}: {getattr(target, '__name__', target)!r} "
                    f"has no attribute {attribute!r}"
                )
            target = getattr(target, attribute)
        if not callable(target):
            raise ConfigError(f"{dotted_path!r} is not callable (a class or function is needed)")
        return target
    raise ConfigError(f"cannot import {dotted_path!r}: no module named {parts[0]!r}")


def to_plain(node: Any) -> Any:
    """Resolves interpolations and turns OmegaConf containers into dicts and lists."""
    if isinstance(node, DictConfig | ListConfig):
        try:
            return OmegaConf.to_container(node, resolve=True)
        except OmegaConfBaseException as error:
            raise ConfigError(f"cannot resolve config value: {error}") from None
    return node


def _build(node: Any, path: str) -> Any:
    if isinstance(node, dict):
        if COMPONENT_KEY in node:
            target = import_component(node[COMPONENT_KEY])
            kwargs = {
                key: _build(value, f"{path}.{key}" if path else key)
                for key, value in node.items()
                if key != COMPONENT_KEY
            }
            try:
                return target(**kwargs)
            except TypeError as error:
                where = path or "config"
                raise ConfigError(f"{where}: cannot build {node[COMPONENT_KEY]}: {error}") from None
        return {key: _build(value, f"{path}.{key}" if path else key) for key, value in node.items()}
    if isinstance(node, list):
        return [_build(value, f"{path}.{index}") for index, value in enumerate(node)]
    return node


def instantiate(node: Any, path: str = "", **overrides: Any) -> Any:
    """Builds the object a config node describes, children first.

    Args:
        node: a config node (DictConfig or plain dict) with a ``_component_`` key; nested
            nodes with their own ``_component_`` are built first and passed as arguments.
        path: where the node sits in the whole config, for error messages.
        **overrides: keyword arguments for the top-level component, given at run time
            (e.g. ``params`` for an optimizer); they replace configured values.
    """
    plain = to_plain(node)
    if not isinstance(plain, dict) or COMPONENT_KEY not in plain:
        where = path or "config"
        raise ConfigError(f"{where}: expected a mapping with a {COMPONENT_KEY} key, got {plain!r}")
    plain = {**plain, **overrides}
    return _build(plain, path)
