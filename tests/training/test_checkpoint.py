import os

import pytest
import torch
from torch import nn

from polymodal.errors import CheckpointError
from polymodal.training import atomic
from polymodal.training.checkpoint import (
    checkpoint_path,
    load_training_state,
    load_weights,
    save_checkpoint,
)


def test_save_links_prunes_and_loads(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    directory = tmp_path / "checkpoints"
    save_checkpoint(directory, 1, model, {"step": 1}, links=("last", "best"))
    save_checkpoint(directory, 2, model, {"step": 2}, links=("last",))
    save_checkpoint(directory, 3, model, {"step": 3}, links=("last",))
    assert sorted(p.name for p in directory.iterdir()) == [
        "best",
        "last",
        "step_0000001",
        "step_0000003",
    ]
    assert os.readlink(directory / "last") == "step_0000003"
    assert load_training_state(checkpoint_path(tmp_path, "best"))["step"] == 1
    other = nn.Linear(3, 2)
    load_weights(other, checkpoint_path(tmp_path, "last"))
    torch.testing.assert_close(other.weight, model.weight)


def test_mismatched_model_is_an_error(tmp_path):
    save_checkpoint(tmp_path / "checkpoints", 1, nn.Linear(3, 2), {"step": 1})
    with pytest.raises(CheckpointError, match="does not match the model"):
        load_weights(nn.Linear(4, 2), tmp_path / "checkpoints" / "last")


def test_missing_checkpoint_message(tmp_path):
    with pytest.raises(CheckpointError, match=r"no checkpoint 'best'.*has no checkpoint yet"):
        checkpoint_path(tmp_path, "best")


def test_failed_write_leaves_previous_checkpoint_intact(tmp_path):
    target = tmp_path / "folder"
    with atomic.folder(target) as staging:
        (staging / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic.folder(target) as staging:
        (staging / "a.txt").write_text("new, half written")
        raise RuntimeError("killed")
    assert (target / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]  # no temporary left behind


def test_atomic_write_text_replaces(tmp_path):
    atomic.write_text(tmp_path / "x.json", "1")
    atomic.write_text(tmp_path / "x.json", "2")
    assert (tmp_path / "x.json").read_text() == "2"
    assert len(list(tmp_path.iterdir())) == 1


def test_atomic_writes_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "x.json", "1")
        with atomic.folder(tmp_path / "f") as staging:
            (staging / "a").write_text("a")
    finally:
        os.umask(umask)
    assert (tmp_path / "x.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o755
