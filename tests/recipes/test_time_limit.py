"""``training.max_minutes``: a run stops once its training time is spent, then evaluates and
saves as at its last step."""

import json

import pytest

from polymodal.config import load_config
from polymodal.errors import ConfigError
from polymodal.recipes.settings import training_settings
from polymodal.recipes.train import train
from polymodal.training.checkpoint import checkpoint_path, load_training_state

# Less than any step takes: the run stops after its first.
AT_ONCE = "training.max_minutes=1e-9"


def test_a_spent_time_limit_stops_after_the_step_that_spent_it(tmp_path, capsys):
    from tests.conftest import TINY

    overrides = [*TINY, f"output_dir={tmp_path}", "training.max_steps=6", AT_ONCE]
    result = train(load_config("easy_vqa", overrides))
    rows = [
        json.loads(line)
        for line in (result.run_dir / "metrics.jsonl").read_text().split("\n")
        if line
    ]
    assert [r["step"] for r in rows if r["split"] == "train"] == [1]
    assert [r["step"] for r in rows if r["split"] == "val"] == [1]
    assert {r["step"] for r in rows if r["split"].startswith("final/")} == {1}
    best = load_training_state(checkpoint_path(result.run_dir, "best"))
    assert best["position"]["step"] == 1
    assert "stopped at step 1 of 6" in capsys.readouterr().out
    assert set(result.metrics) == {"val", "test"}


def test_an_unspent_time_limit_changes_nothing(tmp_path):
    from tests.conftest import TINY

    overrides = [*TINY, f"output_dir={tmp_path}", "training.max_steps=3"]
    result = train(load_config("easy_vqa", [*overrides, "training.max_minutes=60"]))
    rows = [
        json.loads(line)
        for line in (result.run_dir / "metrics.jsonl").read_text().split("\n")
        if line
    ]
    assert [r["step"] for r in rows if r["split"] == "train"][-1] == 3


@pytest.mark.parametrize("value", ["0", "-1", "'30m'", "true"])
def test_a_time_limit_must_be_a_positive_number_of_minutes(value):
    config = load_config("easy_vqa", [f"training.max_minutes={value}"])
    with pytest.raises(ConfigError, match=r"training\.max_minutes must be a positive number"):
        training_settings(config)
