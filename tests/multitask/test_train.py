"""A whole (tiny) multi-task run: its folder, per-task metrics, and single-task evaluation
and prediction from that folder."""

import json

import pytest
import torch

from polymodal.config import load_config
from polymodal.data.datasets.easy_vqa import default_root
from polymodal.data.images import load_image
from polymodal.errors import ConfigError
from polymodal.recipes.multitask import is_multitask, train_multitask
from polymodal.recipes.multitask_eval import (
    MultitaskPredictor,
    evaluate_multitask_run,
    run_task_names,
)
from tests.multitask.conftest import MULTITASK_TINY

TASKS = ("vqa", "shape", "color")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("runs")
    config = load_config(
        "easy_vqa_multitask", [*MULTITASK_TINY, f"output_dir={output}", "training.epochs=3"]
    )
    assert is_multitask(config)
    return train_multitask(config)


def rows(run):
    return [json.loads(line) for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]


def test_run_folder_layout(tiny_run):
    root = tiny_run.run_dir
    for name in (
        "config.yaml",
        "metrics.jsonl",
        "state/transform_question.json",
        "checkpoints/best/model.safetensors",
        "checkpoints/last/training_state.pt",
    ):
        assert (root / name).is_file(), name
    for task in TASKS:
        assert (root / "state" / f"task_{task}.json").is_file()
        for split in ("val", "test"):
            evaluation = json.loads((root / "eval" / task / f"{split}.json").read_text())
            assert evaluation["task"] == task and evaluation["predictions"]
    config = load_config(root / "config.yaml")
    # Each task's sizes, prefixed by its name: 13 answers, 3 shapes, 8 colours.
    assert config.meta.vqa_num_answers == 13
    assert config.meta.shape_num_classes == 3 and config.meta.color_num_classes == 8
    assert config.model.heads.shape.head.num_classes == 3


def test_per_task_metrics_are_logged_and_reported(tiny_run):
    # 320 / 32 = 10 vqa batches, 96 / 32 = 3 shape and 3 colour batches: 16 steps per epoch.
    val = [r for r in rows(tiny_run) if r["split"] == "val"]
    assert [r["step"] for r in val] == [16, 32, 48]
    for row in val:
        assert {f"{t}/accuracy" for t in TASKS} <= set(row)
        # shape and colour report only `accuracy` (and the loss), as configured.
        assert not any(k.startswith("shape/accuracy/") for k in row)
        expected = row["vqa/accuracy"] + 0.25 * row["shape/accuracy"] + 0.25 * row["color/accuracy"]
        assert row["selection"] == pytest.approx(expected)
    best = max(val, key=lambda r: r["selection"])
    assert tiny_run.metrics["val"]["vqa/accuracy"] == pytest.approx(best["vqa/accuracy"])
    assert set(tiny_run.metrics) == {"val", "test"}
    train = [r for r in rows(tiny_run) if r["split"] == "train"]
    drawn = {t: sum(r.get(f"{t}/batches", 0) for r in train) for t in TASKS}
    assert sum(drawn.values()) == 48 and all(drawn.values())


def test_uncertainty_weights_moved(tiny_run):
    state = torch.load(
        tiny_run.run_dir / "checkpoints" / "last" / "training_state.pt", weights_only=True
    )
    log_variances = state["position"]["balancing"]["log_variances"]
    assert log_variances.shape == (3,) and (log_variances.abs() > 1e-3).all()
    last = [r for r in rows(tiny_run) if r["split"] == "train"][-1]
    assert last["log_variance/vqa"] == pytest.approx(float(log_variances[0]))


def test_single_task_evaluation_reproduces_the_final_metrics(tiny_run):
    for task in ("vqa", "shape"):
        again = evaluate_multitask_run(tiny_run.run_dir, task, "test")
        final = {
            k.removeprefix(f"{task}/"): v
            for k, v in tiny_run.metrics["test"].items()
            if k.startswith(f"{task}/")
        }
        assert again.metrics == final
    assert run_task_names(tiny_run.run_dir) == list(TASKS)
    with pytest.raises(ConfigError, match="no task 'caption'"):
        evaluate_multitask_run(tiny_run.run_dir, "caption", "test")


def test_single_task_prediction(tiny_run):
    image = load_image(default_root() / "test" / "images" / "0.png")
    shape = MultitaskPredictor(tiny_run.run_dir, "shape")
    assert shape.inputs == ["image"]
    ranked = shape.predict({"image": image}, top_k=3)  # no question needed
    assert sorted(label for label, _ in ranked) == ["circle", "rectangle", "triangle"]
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=1e-5)
    vqa = MultitaskPredictor(tiny_run.run_dir, "vqa")
    assert vqa.inputs == ["image", "question"]
    answers = vqa.predict({"image": image, "question": "what shape is in the image?"}, top_k=2)
    assert len(answers) == 2 and answers[0][1] >= answers[1][1]


def test_a_spent_time_limit_stops_a_multitask_run(tmp_path, capsys):
    overrides = [*MULTITASK_TINY, f"output_dir={tmp_path}", "training.max_minutes=1e-9"]
    run = train_multitask(load_config("easy_vqa_multitask", overrides))
    assert [r["step"] for r in rows(run) if r["split"] == "train"] == [1]
    assert {r["step"] for r in rows(run) if r["split"].startswith("final/")} == {1}
    assert "training.max_minutes=1e-09: stopped at step 1 of" in capsys.readouterr().out
