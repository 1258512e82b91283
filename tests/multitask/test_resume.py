"""A multi-task run that crashes mid-run and is resumed ends exactly like an uninterrupted
run: the same tasks drawn in the same order, the same batches, the same learned weights."""

import json

import pytest

from polymodal.config import load_config
from polymodal.recipes.multitask import train_multitask
from tests.multitask.conftest import MULTITASK_TINY

# Dropout makes the random state matter; 2 micro-batches per step from sampled tasks.
RESUMABLE = [
    *MULTITASK_TINY,
    "~tasks.vqa.data.test",
    "~tasks.shape.data.test",
    "training.max_steps=14",
    "training.grad_accumulation=2",
    "training.log_every=1",
    "training.checkpoint_every=4",
    "training.eval_every=7",
    "+model.encoders.question.dropout=0.3",
    "+batch_augment.crash._component_=tests.multitask.augmentations.CrashAfter",
]


def run(tmp_path, name, crash_after, balancing):
    overrides = [
        *RESUMABLE,
        f"output_dir={tmp_path}",
        f"name={name}",
        "resume=true",
        f"+batch_augment.crash.calls={crash_after}",
        f"loss_balancing._component_=polymodal.training.balancing.{balancing}",
    ]
    return train_multitask(load_config("easy_vqa_multitask", overrides))


def train_rows(path):
    rows = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "samples_per_s"} for r in rows]


@pytest.mark.parametrize("balancing", ["UncertaintyWeighting", "PCGrad"])
def test_crashed_run_resumes_to_identical_results(tmp_path, balancing):
    whole = run(tmp_path, "whole", 10**6, balancing)
    # 2 micro-batches per step: the crash hits step 10's second one; `last` is at step 8.
    with pytest.raises(RuntimeError, match="crash at batch 20"):
        run(tmp_path, "crashed", 19, balancing)
    resumed = run(tmp_path, "crashed", 10**6, balancing)

    assert resumed.metrics == whole.metrics
    again = json.loads((resumed.run_dir / "eval" / "vqa" / "val.json").read_text())
    assert again == json.loads((whole.run_dir / "eval" / "vqa" / "val.json").read_text())
    # The log was rewound to the checkpoint: each step once, and every step drew the same
    # tasks and got the same losses and weights.
    rows = train_rows(resumed.run_dir)
    assert [r["step"] for r in rows if r["split"] == "train"] == list(range(1, 15))
    assert rows == train_rows(whole.run_dir)
