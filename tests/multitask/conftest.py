"""Small, fast versions of the shipped multi-task config, on the real easy-VQA data."""

from __future__ import annotations

from pathlib import Path

import pytest

# A few hundred questions and images, a narrow model: a whole run takes seconds.
MULTITASK_TINY = [
    "tasks.vqa.data.train.limit=320",
    "tasks.vqa.data.val.limit=96",
    "tasks.vqa.data.test.limit=96",
    "tasks.shape.data.train.limit=96",
    "tasks.shape.data.val.limit=48",
    "tasks.shape.data.test.limit=48",
    "data.batch_size=32",
    "data.eval_batch_size=64",
    "training.epochs=1",
    "training.log_every=2",
    "training.checkpoint_every=4",
    "model.encoders.image.channels=[8,16]",
    "model.encoders.image.dim=32",
    "model.encoders.question.dim=32",
    "model.encoders.question.embed_dim=16",
    "model.fusion.dim=32",
    "model.heads.answer.hidden_dims=[32]",
]


@pytest.fixture
def multitask_overrides(tmp_path: Path) -> list[str]:
    """Overrides of ``easy_vqa_multitask`` for a seconds-long run writing under ``tmp_path``."""
    return [*MULTITASK_TINY, f"output_dir={tmp_path / 'runs'}"]
