import pytest
from omegaconf import OmegaConf
from torch import nn

from polymodal.config import import_component, instantiate
from polymodal.errors import ConfigError


def test_import_component_finds_classes_and_reports_the_missing_part():
    assert import_component("torch.nn.Linear") is nn.Linear
    with pytest.raises(ConfigError, match=r"'torch.nn' has no attribute 'Linearr'"):
        import_component("torch.nn.Linearr")
    with pytest.raises(ConfigError, match="no module named 'nosuchpackage'"):
        import_component("nosuchpackage.Thing")


def test_instantiate_builds_children_first_and_resolves_interpolation():
    config = OmegaConf.create(
        {
            "width": 4,
            "layer": {
                "_component_": "torch.nn.Linear",
                "in_features": "${width}",
                "out_features": 2,
            },
            "nested": {
                "_component_": "polymodal.heads.MLPHead",
                "input_dim": "${width}",
                "num_classes": 3,
                "hidden_dims": [5],
            },
        }
    )
    layer = instantiate(config.layer)
    assert isinstance(layer, nn.Linear) and layer.in_features == 4
    head = instantiate(config.nested)
    assert [m.out_features for m in head.mlp if isinstance(m, nn.Linear)] == [5, 3]


def test_instantiate_keyword_overrides_replace_config_values():
    config = OmegaConf.create(
        {"_component_": "torch.nn.Linear", "in_features": 2, "out_features": 3}
    )
    layer = instantiate(config, out_features=7)
    assert layer.out_features == 7


def test_instantiate_names_the_path_on_bad_arguments():
    config = OmegaConf.create({"m": {"_component_": "torch.nn.Linear", "in_features": 2}})
    with pytest.raises(ConfigError, match=r"^m: cannot build torch.nn.Linear"):
        instantiate(config.m, path="m")


def test_instantiate_requires_a_component():
    with pytest.raises(ConfigError, match="_component_"):
        instantiate(OmegaConf.create({"a": 1}), path="x")
