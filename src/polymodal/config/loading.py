"""Finding, loading and overriding YAML configs.

A config is found by path, or by name among the shipped configs in ``polymodal/configs``.
``extends: NAME`` at the top of a config merges it over another config; a mapping that names
another ``_component_`` than the base's at the same place replaces the base's mapping instead
of merging into it (the old component's arguments mean nothing to the new one). Command-line
overrides are ``key.path=value`` (value parsed as YAML: numbers, ``null``, ``[1, 2]``, ...);
a key that does not exist is rejected unless written ``+key.path=value``; ``~key.path``
deletes a key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from polymodal.errors import ConfigError

SHIPPED_CONFIGS = Path(__file__).resolve().parent.parent / "configs"
_ABSENT = object()


def shipped_configs() -> list[str]:
    """Names of the configs that ship with polymodal, sorted."""
    return sorted(path.stem for path in SHIPPED_CONFIGS.glob("*.yaml"))


def find_config(name_or_path: str | Path) -> Path:
    """Returns the file of a config given as a path or as a shipped config's name."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    shipped = SHIPPED_CONFIGS / f"{Path(str(name_or_path)).stem}.yaml"
    if candidate.suffix not in (".yaml", ".yml") and shipped.is_file():
        return shipped
    names = shipped_configs()
    close = difflib.get_close_matches(str(name_or_path), names, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ConfigError(
        f"config {str(name_or_path)!r} not found: it is neither a file nor a shipped config.{hint} "
        f"Shipped configs: {', '.join(names)} (list them with `polymodal configs`)."
    )


def _read_yaml(path: Path) -> DictConfig:
    try:
        loaded = OmegaConf.load(path)
    except (yaml.YAMLError, OmegaConfBaseException) as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(loaded, DictConfig):
        raise ConfigError(f"{path}: a config must be a mapping of keys to values at top level")
    return loaded


def load_config(
    name_or_path: str | Path, overrides: Sequence[str] = (), _chain: tuple[Path, ...] = ()
) -> DictConfig:
    """Loads a config, merges what it extends, and applies command-line overrides."""
    path = find_config(name_or_path).resolve()
    if path in _chain:
        cycle = " → ".join(str(p) for p in (*_chain, path))
        raise ConfigError(f"configs extend each other in a cycle: {cycle}")
    config = _read_yaml(path)
    base_name = config.pop("extends", None)
    if base_name is not None:
        base = load_config(str(base_name), (), (*_chain, path))
        _drop_replaced_components(base, config)
        config = OmegaConf.merge(base, config)  # type: ignore[assignment]
    apply_overrides(config, overrides)
    return config


def _drop_replaced_components(base: DictConfig, config: DictConfig) -> None:
    """Deletes from ``base`` every mapping whose ``_component_`` ``config`` changes."""
    for key in config:
        child, parent = config._get_node(key), base._get_node(key)
        if not isinstance(child, DictConfig) or not isinstance(parent, DictConfig):
            continue
        component = child.get("_component_")
        if component is not None and component != parent.get("_component_"):
            del base[key]
        else:
            _drop_replaced_components(parent, child)


def dotted_keys(node: Any, prefix: str = "") -> Iterator[str]:
    """Every key path in a config, e.g. ``model.fusion.dim``, without resolving values."""
    if isinstance(node, DictConfig):
        items: Any = ((str(k), node._get_node(k)) for k in node)
    elif isinstance(node, ListConfig):
        items = ((str(i), node._get_node(i)) for i in range(len(node)))
    else:
        return
    for key, child in items:
        path = f"{prefix}.{key}" if prefix else key
        yield path
        yield from dotted_keys(child, path)


def _exists(config: DictConfig, key: str) -> bool:
    found = OmegaConf.select(config, key, default=_ABSENT, throw_on_resolution_failure=False)
    if found is not _ABSENT:
        return True
    # select() answers the default for a ``???`` value too: the very keys overrides must fill.
    parent_key, _, leaf = key.rpartition(".")
    parent = (
        OmegaConf.select(config, parent_key, default=None, throw_on_resolution_failure=False)
        if parent_key
        else config
    )
    return isinstance(parent, DictConfig) and OmegaConf.is_missing(parent, leaf)


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_overrides(config: DictConfig, overrides: Sequence[str]) -> None:
    """Applies ``key=value``, ``+key=value`` and ``~key`` overrides in place."""
    for override in overrides:
        if override.startswith("~"):
            key = override[1:]
            if not _exists(config, key):
                raise ConfigError(f"override {override!r}: no key {key!r} to delete")
            parent_key, _, leaf = key.rpartition(".")
            parent = OmegaConf.select(config, parent_key) if parent_key else config
            del parent[leaf]
            continue
        if "=" not in override:
            raise ConfigError(
                f"override {override!r} is not of the form key=value (or +key=value to add a "
                "new key, ~key to delete one)"
            )
        key, _, raw = override.partition("=")
        key = key.strip()
        adding = key.startswith("+")
        key = key.lstrip("+")
        if not adding and not _exists(config, key):
            close = difflib.get_close_matches(key, list(dotted_keys(config)), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"override {override!r}: the config has no key {key!r}.{hint} "
                f"To add a new key, write +{key}={raw}"
            )
        try:
            OmegaConf.update(config, key, _parse_value(raw), merge=False, force_add=adding)
        except OmegaConfBaseException as error:
            raise ConfigError(f"override {override!r}: {error}") from None
