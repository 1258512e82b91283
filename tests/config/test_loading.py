from pathlib import Path

import pytest
from omegaconf import OmegaConf

from polymodal.config import apply_overrides, find_config, load_config, shipped_configs
from polymodal.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_shipped_configs_are_found_by_name():
    assert "easy_vqa" in shipped_configs()
    assert find_config("easy_vqa").name == "easy_vqa.yaml"


def test_missing_config_names_it_and_suggests(tmp_path):
    with pytest.raises(ConfigError, match=r"'easy_vq' not found.*Did you mean easy_vqa"):
        find_config("easy_vq")
    with pytest.raises(ConfigError, match=r"nope.yaml"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = write(tmp_path / "bad.yaml", "a: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML"):
        load_config(path)


def test_overrides_nested_lists_and_types(tmp_path):
    path = write(tmp_path / "c.yaml", "a: {b: 1, c: [1, 2]}\nd: x\n")
    config = load_config(path, ["a.b=2.5", "a.c=[3, 4, 5]", "d=null", "+e.f=true", "a.c.0=9"])
    assert config.a.b == 2.5
    assert list(config.a.c) == [9, 4, 5]
    assert config.d is None
    assert config.e.f is True


def test_unknown_override_key_is_rejected_with_suggestion(tmp_path):
    path = write(tmp_path / "c.yaml", "optim: {lr: 1}\n")
    with pytest.raises(
        ConfigError, match=r"no key 'optim.lrr'.*Did you mean optim.lr.*\+optim.lrr"
    ):
        load_config(path, ["optim.lrr=2"])


def test_delete_and_malformed_overrides(tmp_path):
    path = write(tmp_path / "c.yaml", "a: {b: 1, c: 2}\n")
    config = load_config(path, ["~a.b"])
    assert "b" not in config.a
    with pytest.raises(ConfigError, match="key=value"):
        load_config(path, ["a.b"])
    with pytest.raises(ConfigError, match=r"no key 'a.z' to delete"):
        load_config(path, ["~a.z"])


def test_interpolation_follows_overrides(tmp_path):
    path = write(tmp_path / "c.yaml", "dim: 8\nlayer: {width: '${dim}'}\n")
    config = load_config(path, ["dim=16"])
    assert config.layer.width == 16


def test_extends_merges_over_base(tmp_path):
    write(tmp_path / "base.yaml", "a: 1\nb: {c: 2, d: 3}\n")
    child = write(tmp_path / "child.yaml", f"extends: {tmp_path / 'base.yaml'}\nb: {{c: 20}}\n")
    config = load_config(child)
    assert OmegaConf.to_container(config) == {"a": 1, "b": {"c": 20, "d": 3}}


def test_extends_replaces_a_mapping_that_names_another_component(tmp_path):
    base = (
        "model:\n  fusion: {_component_: A, dim: 8, attention_dim: 4}\n"
        "  head: {_component_: H, x: 1}\n"
    )
    write(tmp_path / "base.yaml", base)
    child = write(
        tmp_path / "child.yaml",
        f"extends: {tmp_path / 'base.yaml'}\n"
        "model:\n  fusion: {_component_: B, dim: 16}\n  head: {_component_: H, y: 2}\n",
    )
    config = OmegaConf.to_container(load_config(child))
    assert config["model"]["fusion"] == {"_component_": "B", "dim": 16}  # A's keys gone
    assert config["model"]["head"] == {"_component_": "H", "x": 1, "y": 2}  # same: merged


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path / "x.yaml", f"extends: {tmp_path / 'y.yaml'}\n")
    write(tmp_path / "y.yaml", f"extends: {tmp_path / 'x.yaml'}\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(tmp_path / "x.yaml")


def test_apply_overrides_in_place():
    config = OmegaConf.create({"a": 1})
    apply_overrides(config, ["a=2"])
    assert config.a == 2
