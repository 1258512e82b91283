"""Evaluating and predicting any single task of a multi-task run.

Each task is scored with its own metrics on its own data by the single-task
:func:`~polymodal.recipes.evaluate.evaluate`; results are named ``<task>/<metric>`` in
``metrics.jsonl`` and written to ``eval/<task>/<split>.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from polymodal.data.batch import collate
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.errors import ConfigError, DataError
from polymodal.recipes import components
from polymodal.recipes.components import Transforms
from polymodal.recipes.evaluate import Evaluation, evaluate
from polymodal.recipes.multitask_components import (
    TaskSpec,
    build_shared_transforms,
    build_task_datasets,
    build_task_specs,
    load_task_fields,
)
from polymodal.recipes.multitask_config import MultitaskSettings, is_multitask, multitask_settings
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import DataSettings, data_settings
from polymodal.training.checkpoint import checkpoint_path, load_training_state, load_weights
from polymodal.training.device import autocast, resolve_device


def task_eval_file(run: RunDir, task: str, split: str) -> Path:
    """``eval/<task>/<split>.json``."""
    return run.root / "eval" / task / f"{split}.json"


def task_loader(
    spec: TaskSpec,
    dataset: Dataset[dict[str, Any]],
    transforms: Transforms,
    settings: DataSettings,
) -> DataLoader[dict[str, Any]]:
    """An evaluation loader over one task's data, with the transforms of its fields."""
    prepared = components.prepared(dataset, spec.transforms(transforms), spec.task)
    return components.make_loader(prepared, spec.data_settings(settings))


def evaluate_task(
    model: nn.Module,
    spec: TaskSpec,
    loader: DataLoader[dict[str, Any]],
    device: torch.device,
    batch_transforms: Transforms,
    precision: str = "fp32",
) -> Evaluation:
    """One task's loss, metrics (those configured) and records on one split."""
    result = evaluate(
        model, spec.task, loader, device, spec.transforms(batch_transforms), precision
    )
    return Evaluation(spec.keep(result.metrics), result.records)


def prefixed(evaluations: Mapping[str, Evaluation]) -> dict[str, float]:
    """task → evaluation, as one mapping ``<task>/<metric>`` → value."""
    return {
        f"{task}/{name}": value
        for task, result in evaluations.items()
        for name, value in result.metrics.items()
    }


def selection_value(metrics: Mapping[str, float], best_metric: Mapping[str, float]) -> float:
    """The weighted sum of validation metrics that picks the ``best`` checkpoint.

    Args:
        metrics: ``<task>/<metric>`` → value, on the validation split.
        best_metric: ``val/<task>/<metric>`` → weight.
    """
    total = 0.0
    for name, weight in best_metric.items():
        value = metrics.get(name.removeprefix("val/"))
        if value is None:
            available = sorted(f"val/{k}" for k in metrics if k.count("/") == 1)
            raise ConfigError(
                f"training.best_metric: {name!r} is not among the validation metrics: {available}"
            )
        total += weight * value
    return total


def write_task_evaluation(
    run: RunDir, task: str, split: str, result: Evaluation, checkpoint: str, step: int
) -> None:
    run.write_json(
        task_eval_file(run, task, split),
        {
            "task": task,
            "split": split,
            "checkpoint": checkpoint,
            "step": step,
            "metrics": result.metrics,
            "predictions": result.records,
        },
    )


@dataclass(frozen=True)
class LoadedRun:
    """A multi-task run rebuilt from its folder: tasks, transforms and model with weights."""

    run: RunDir
    config: Any
    specs: dict[str, TaskSpec]
    transforms: Transforms
    batch_transforms: Transforms
    model: nn.Module
    device: torch.device
    settings: MultitaskSettings
    data: DataSettings
    step: int

    def spec(self, task: str) -> TaskSpec:
        if task not in self.specs:
            raise ConfigError(f"the run has no task {task!r}; its tasks: {list(self.specs)}")
        return self.specs[task]


def load_multitask_run(run_dir: str | Path, checkpoint: str = "best") -> LoadedRun:
    """Rebuilds a multi-task run from ``config.yaml``, ``state/`` and a checkpoint."""
    run = RunDir(Path(run_dir))
    config = run.load_config()
    folder = checkpoint_path(run.root, checkpoint)
    device = resolve_device(str(config.get("device", "auto")))
    fields = load_task_fields(run)
    specs = build_task_specs(config, fields, run=run)
    transforms = build_shared_transforms(config, None, None, run)
    model = components.build_model(config).to(device).eval()
    load_weights(model, folder)
    return LoadedRun(
        run=run,
        config=config,
        specs=specs,
        transforms=transforms,
        batch_transforms=components.build_batch_transforms(config),
        model=model,
        device=device,
        settings=multitask_settings(config),
        data=data_settings(config),
        step=int(load_training_state(folder)["position"]["step"]),
    )


def run_task_names(run_dir: str | Path) -> list[str] | None:
    """The tasks of a multi-task run folder, or ``None`` for a single-task run (for the CLI's
    ``--task`` choice)."""
    config = RunDir(Path(run_dir)).load_config()
    return [str(name) for name in config.tasks] if is_multitask(config) else None


def evaluate_multitask_run(
    run_dir: str | Path, task: str, split: str = "test", checkpoint: str = "best"
) -> Evaluation:
    """Evaluates one task of a multi-task run on one split; writes
    ``eval/<task>/<split>.json``. Metric names are the task's own (``accuracy``...)."""
    loaded = load_multitask_run(run_dir, checkpoint)
    spec = loaded.spec(task)
    datasets = build_task_datasets(loaded.config, [task], [split])[task]
    if split not in datasets:
        raise ConfigError(f"tasks.{task}.data.{split}: no dataset configured for this split")
    loader = task_loader(spec, datasets[split], loaded.transforms, loaded.data)
    result = evaluate_task(
        loaded.model,
        spec,
        loader,
        loaded.device,
        loaded.batch_transforms,
        loaded.settings.training.precision,
    )
    write_task_evaluation(loaded.run, task, split, result, checkpoint, loaded.step)
    return result


class MultitaskPredictor:
    """One task of a trained multi-task run, loaded once, answering raw samples.

    Args:
        run_dir: a folder written by the multi-task recipe.
        task: the task to predict (a key of the run's ``tasks:``).
        checkpoint: ``best`` or ``last``.
    """

    def __init__(self, run_dir: str | Path, task: str, checkpoint: str = "best") -> None:
        self.loaded = load_multitask_run(run_dir, checkpoint)
        self.spec = self.loaded.spec(task)

    @property
    def inputs(self) -> list[str]:
        """The sample fields the task's head reads."""
        head_inputs = getattr(self.loaded.model, "head_inputs", None)
        if callable(head_inputs):
            return list(head_inputs(self.spec.task.head))
        return list(getattr(self.loaded.model, "modalities", self.spec.fields))

    @torch.no_grad()
    def predict(self, sample: dict[str, Any], top_k: int = 5) -> list[Any]:
        """Raw sample (e.g. ``{"image": (3, H, W) uint8}``) → the task's ``top_k``
        predictions (label, probability), best first."""
        missing = [field for field in self.inputs if field not in sample]
        if missing:
            raise DataError(
                f"task {self.spec.name!r} needs the input(s) {missing}; got {list(sample)}"
            )
        prepared = dict(sample)
        for field, transform in self.loaded.transforms.items():
            if field in prepared:
                prepared[field] = transform(prepared[field])
        batch_transforms = {f: t for f, t in self.loaded.batch_transforms.items() if f in prepared}
        batch = apply_batch_transforms(collate([prepared]).to(self.loaded.device), batch_transforms)
        with autocast(self.loaded.device, self.loaded.settings.training.precision):
            output = self.loaded.model(batch)
        ranked: list[Any] = self.spec.task.decode(output, top_k=top_k)[0]
        return ranked
