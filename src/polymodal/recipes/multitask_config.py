"""The multi-task run config: its sections, its settings, and the checks run before training.

A multi-task config has a top-level ``tasks:`` mapping instead of ``task:``; each task names
its datasets, its task component (which names the head, the loss and the metrics) and its
weight::

    tasks:
      vqa:
        task: {_component_: polymodal.tasks.VQATask, head: answer}
        data: {train: {...}, val: {...}, test: {...}}
        weight: 1.0            # default 1.0; multiplies the loss before balancing
        metrics: null          # null: all the task's metrics; or a list of names to keep

``data:`` then holds only the loading settings shared by every task (batch size, workers...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from polymodal.config import to_plain, validate
from polymodal.errors import ConfigError
from polymodal.recipes.settings import (
    DATA_SPLITS,
    TOP_LEVEL_KEYS,
    TrainingSettings,
    data_settings,
    training_settings,
)

MULTITASK_TOP_LEVEL_KEYS = (TOP_LEVEL_KEYS - {"task"}) | {
    "tasks",
    "task_sampling",
    "loss_balancing",
}
TASK_KEYS = frozenset({"task", "data", "weight", "metrics"})

# Arguments the recipe passes itself when it builds these components.
MULTITASK_RUNTIME_ARGS = {
    "optimizer": {"params"},
    "task_sampling": {"sizes", "seed"},
    "loss_balancing": {"task_weights"},
}
DEFAULT_TASK_SAMPLING = {"_component_": "polymodal.training.task_sampling.proportional"}
DEFAULT_LOSS_BALANCING = {"_component_": "polymodal.training.balancing.StaticWeights"}


def is_multitask(config: DictConfig) -> bool:
    """Whether ``config`` describes a multi-task run (it has a top-level ``tasks:``)."""
    return "tasks" in config


@dataclass(frozen=True)
class MultitaskSettings:
    """``training:`` of a multi-task run.

    Attributes:
        training: the single-task settings (epochs, max_steps, precision, ...); its
            ``grad_accumulation`` is the number of micro-batches — each from a sampled
            task — in one optimizer step.
        steps_per_epoch: optimizer steps in an "epoch" (the unit of ``epochs``, of
            end-of-epoch evaluation and of ``epoch`` in the log); ``None``: as many as it takes
            to draw as many batches as all tasks' training splits hold together.
        best_metric: validation metric → weight; the weighted sum picks ``best``.
    """

    training: TrainingSettings
    steps_per_epoch: int | None
    best_metric: dict[str, float]


def task_names(config: DictConfig) -> list[str]:
    """The tasks, in config order."""
    tasks = config.get("tasks")
    if not isinstance(tasks, DictConfig) or not tasks:
        raise ConfigError("tasks: expected a mapping of task name → {task, data, weight}")
    return [str(name) for name in tasks]


def _best_metric(value: Any, names: list[str]) -> dict[str, float]:
    if value is None:
        return {f"val/{names[0]}/accuracy": 1.0}
    weights = {value: 1.0} if isinstance(value, str) else value
    if not isinstance(weights, dict) or not weights:
        raise ConfigError(
            "training.best_metric: expected a metric name (val/<task>/<metric>) or a mapping "
            f"of metric names to weights, got {value!r}"
        )
    for metric, weight in weights.items():
        task = str(metric).split("/")[1] if str(metric).count("/") >= 2 else None
        if not str(metric).startswith("val/") or task not in names:
            raise ConfigError(
                f"training.best_metric: {metric!r} must be val/<task>/<metric> with <task> one "
                f"of {names}, e.g. val/{names[0]}/accuracy"
            )
        if not isinstance(weight, int | float):
            raise ConfigError(f"training.best_metric.{metric}: weight must be a number")
    return {str(metric): float(weight) for metric, weight in weights.items()}


def multitask_settings(config: DictConfig) -> MultitaskSettings:
    """Reads ``training:``; the keys it shares with single-task runs are checked there."""
    values = to_plain(config.get("training")) or {}
    if not isinstance(values, dict):
        raise ConfigError(f"training: expected a mapping, got {values!r}")
    steps_per_epoch = values.pop("steps_per_epoch", None)
    best_metric = _best_metric(values.pop("best_metric", None), task_names(config))
    training = training_settings(OmegaConf.create({"training": values}))
    if steps_per_epoch is not None and (
        not isinstance(steps_per_epoch, int) or steps_per_epoch < 1
    ):
        raise ConfigError(
            f"training.steps_per_epoch must be an integer ≥ 1, got {steps_per_epoch!r}"
        )
    return MultitaskSettings(training, steps_per_epoch, best_metric)


def _task_problems(config: DictConfig) -> list[str]:
    problems = []
    for name in task_names(config):
        node = config.tasks[name]
        path = f"tasks.{name}"
        if not isinstance(node, DictConfig):
            problems.append(f"{path}: expected a mapping with task, data and weight")
            continue
        problems += [
            f"{path}.{key!s}: unknown key; known keys: {sorted(TASK_KEYS)}"
            for key in node
            if key not in TASK_KEYS
        ]
        if "task" not in node:
            problems.append(f"{path}.task: missing (the task component: head, loss, metrics)")
        data = node.get("data")
        if not isinstance(data, DictConfig) or "train" not in data:
            problems.append(f"{path}.data.train: missing (the task's training dataset)")
        elif unknown := [str(k) for k in data if k not in DATA_SPLITS]:
            problems.append(f"{path}.data: unknown split(s) {unknown}; splits: {list(DATA_SPLITS)}")
        weight = node.get("weight", 1.0)
        if not isinstance(weight, int | float) or weight < 0:
            problems.append(f"{path}.weight: expected a number ≥ 0, got {weight!r}")
        metrics = node.get("metrics")
        if metrics is not None and not all(isinstance(m, str) for m in metrics):
            problems.append(f"{path}.metrics: expected a list of metric names or null")
    return problems


def multitask_problems(config: DictConfig) -> list[str]:
    """Every problem found in a multi-task config (empty when sound), each with its path."""
    problems = [
        f"{key!s}: unknown top-level key in a multi-task config; known keys: "
        f"{sorted(MULTITASK_TOP_LEVEL_KEYS)}"
        for key in config
        if key not in MULTITASK_TOP_LEVEL_KEYS
    ]
    for required in ("model", "optimizer"):
        if required not in config:
            problems.append(f"{required}: missing section")
    if "data" in config and (splits := [s for s in DATA_SPLITS if s in config.data]):
        problems += [
            f"data.{split}: a multi-task config names datasets per task, under "
            f"tasks.<name>.data.{split}"
            for split in splits
        ]
    try:
        problems += _task_problems(config)
        multitask_settings(config)
    except (ConfigError, TypeError) as error:
        problems.append(str(error))
    try:
        data_settings(config)
    except (ConfigError, TypeError) as error:
        problems.append(str(error))
    return problems + validate(config, MULTITASK_RUNTIME_ARGS)


def check_multitask_config(config: DictConfig) -> None:
    """Raises one ConfigError listing every problem in the config."""
    problems = multitask_problems(config)
    if problems:
        listing = "\n  ".join(problems)
        raise ConfigError(f"the config has {len(problems)} problem(s):\n  {listing}")
