"""Every shipped config loads and validates."""

import pytest

from polymodal.config import load_config, shipped_configs, validate
from polymodal.recipes.settings import settings_problems
from polymodal.recipes.train import RUNTIME_ARGS


@pytest.mark.parametrize("name", shipped_configs())
def test_shipped_config_is_valid(name):
    config = load_config(name)
    assert settings_problems(config) + validate(config, RUNTIME_ARGS) == []
