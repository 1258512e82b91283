"""Multi-task configs: validation with config paths, and a task added by config alone."""

import json

import pytest

from polymodal.config import load_config
from polymodal.errors import ConfigError
from polymodal.recipes.multitask import train_multitask
from polymodal.recipes.multitask_config import is_multitask, multitask_problems
from tests.multitask.conftest import MULTITASK_TINY

# A text-only auxiliary task, in YAML only: predict the answer type (yes/no, shape, colour)
# from the question alone, on the VQA task's data.
EXTRA_TASK = """
extends: easy_vqa_multitask
meta:
  answer_type_num_classes: ???
tasks:
  answer_type:
    task:
      _component_: polymodal.tasks.ClassificationTask
      head: answer_type
      label_field: answer_type
    data: ${tasks.vqa.data}
    weight: 0.5
model:
  heads:
    answer_type:
      _component_: polymodal.heads.unimodal.UnimodalHead
      modality: question
      head:
        _component_: polymodal.heads.MLPHead
        input_dim: ${model.encoders.question.dim}
        num_classes: ${meta.answer_type_num_classes}
loss_balancing:
  _component_: polymodal.training.balancing.StaticWeights
"""


def test_the_shipped_config_is_valid():
    config = load_config("easy_vqa_multitask")
    assert is_multitask(config) and not is_multitask(load_config("easy_vqa"))
    assert multitask_problems(config) == []


def test_a_task_added_in_config_alone_trains(tmp_path):
    path = tmp_path / "four_tasks.yaml"
    path.write_text(EXTRA_TASK)
    overrides = [
        *MULTITASK_TINY,
        f"output_dir={tmp_path}",
        "training.max_steps=8",
        "training.eval_every=8",
        "~tasks.vqa.data.test",
        "~tasks.shape.data.test",
        "task_sampling={_component_: polymodal.training.task_sampling.RoundRobin}",
        # Questions of an image together, each image encoded once per batch (all tasks
        # here have both fields).
        "data.group_by=image_id",
        "data.share={image: image_id}",
    ]
    config = load_config(path, overrides)
    assert multitask_problems(config) == []
    result = train_multitask(config)
    assert config.meta.answer_type_num_classes == 3
    assert 0 <= result.metrics["val"]["answer_type/accuracy"] <= 100
    rows = [
        json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    drawn = {
        task: sum(r.get(f"{task}/batches", 0) for r in rows if r["split"] == "train")
        for task in ("vqa", "shape", "color", "answer_type")
    }
    assert drawn == {"vqa": 2, "shape": 2, "color": 2, "answer_type": 2}  # round-robin


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+tasks.vqa.wieght=2", "tasks.vqa.wieght: unknown key"),
        ("~tasks.color.data", "tasks.color.data.train: missing"),
        ("+data.train.split=train", "data.train: a multi-task config names datasets per task"),
        ("+task.head=answer", "task: unknown top-level key"),
        ("tasks.shape.weight=-1", "tasks.shape.weight: expected a number ≥ 0"),
        ("+training.best_metric.val/caption/bleu=1", "'val/caption/bleu' must be val/<task>"),
        ("+task_sampling.temprature=2", "task_sampling: unexpected argument 'temprature'"),
    ],
)
def test_problems_name_their_config_path(override, message):
    problems = multitask_problems(load_config("easy_vqa_multitask", [override]))
    assert any(message in problem for problem in problems), problems


def test_a_head_missing_from_the_model_is_named(tmp_path):
    overrides = [*MULTITASK_TINY, f"output_dir={tmp_path}", "tasks.shape.task.head=shapes"]
    with pytest.raises(ConfigError, match=r"tasks.shape.task: head 'shapes' is not one of"):
        train_multitask(load_config("easy_vqa_multitask", overrides))
    assert not (tmp_path / "easy_vqa_multitask").exists()  # nothing written


def test_fixed_ratios_must_cover_every_task(tmp_path):
    overrides = [
        *MULTITASK_TINY,
        f"output_dir={tmp_path}",
        "task_sampling={_component_: polymodal.training.task_sampling.fixed_ratios, "
        "ratios: {vqa: 2, shape: 1}}",
    ]
    with pytest.raises(ConfigError, match=r"missing \['color'\]"):
        train_multitask(load_config("easy_vqa_multitask", overrides))


def test_single_task_run_folders_have_no_tasks(tmp_path):
    from omegaconf import OmegaConf

    from polymodal.recipes.multitask_eval import run_task_names

    OmegaConf.save(load_config("easy_vqa"), tmp_path / "config.yaml")
    assert run_task_names(tmp_path) is None
