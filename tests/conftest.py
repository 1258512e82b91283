"""Shared fixtures: small, fast versions of the default job, on the real easy-VQA data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from polymodal.data.datasets.easy_vqa import default_root

# One thread: on a machine shared with other processes, OpenMP's busy-waiting makes multi-threaded
# small-tensor work many times slower, and the tests' tensors are small.
torch.set_num_threads(1)

# A few hundred real easy-VQA questions and a narrow model: a whole run takes seconds.
TINY = [
    "data.train.limit=320",
    "data.val.limit=96",
    "data.test.limit=96",
    "data.batch_size=32",
    "data.eval_batch_size=64",
    "training.epochs=1",
    "training.log_every=5",
    "training.checkpoint_every=4",
    "model.encoders.image.channels=[8,16]",
    "model.encoders.image.dim=32",
    "model.encoders.question.dim=32",
    "model.encoders.question.embed_dim=16",
    "model.fusion.dim=32",
    "model.heads.answer.hidden_dims=[32]",
]


@pytest.fixture
def tiny_overrides(tmp_path: Path) -> list[str]:
    """Overrides of the default config for a seconds-long run writing under ``tmp_path``."""
    return [*TINY, f"output_dir={tmp_path / 'runs'}"]


@pytest.fixture
def easy_vqa_copy(tmp_path: Path) -> Path:
    """A small easy-VQA folder in the official layout, copied from the installed package:
    12 train images and 6 test images with all their questions."""
    source = default_root()
    root = tmp_path / "easy_vqa"
    for split, count in (("train", 12), ("test", 6)):
        questions = json.loads((source / split / "questions.json").read_text())
        kept = [q for q in questions if q[2] < count]
        (root / split / "images").mkdir(parents=True)
        (root / split / "questions.json").write_text(json.dumps(kept))
        for image_id in range(count):
            shutil.copy(
                source / split / "images" / f"{image_id}.png",
                root / split / "images" / f"{image_id}.png",
            )
    return root
