"""Configs: YAML that names components, with interpolation, overrides and validation."""

from polymodal.config.instantiate import import_component, instantiate, to_plain
from polymodal.config.loading import (
    apply_overrides,
    find_config,
    load_config,
    shipped_configs,
)
from polymodal.config.validate import validate

__all__ = [
    "apply_overrides",
    "find_config",
    "import_component",
    "instantiate",
    "load_config",
    "shipped_configs",
    "to_plain",
    "validate",
]
