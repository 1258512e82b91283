"""Every shipped config loads and validates."""

import pytest

from polymodal.config import load_config, shipped_configs
from polymodal.recipes.dispatch import config_problems


@pytest.mark.parametrize("name", shipped_configs())
def test_shipped_config_is_valid(name):
    assert config_problems(load_config(name)) == []
