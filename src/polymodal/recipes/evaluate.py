"""Evaluation: run a model over a split, score it with the task's metrics, record predictions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from polymodal.data.batch import Batch
from polymodal.data.pipeline import RAW_SUFFIX, apply_batch_transforms
from polymodal.recipes import components
from polymodal.recipes.components import Transforms
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import data_settings, training_settings
from polymodal.tasks.base import Task
from polymodal.training.checkpoint import checkpoint_path, load_training_state, load_weights
from polymodal.training.device import autocast, resolve_device


@dataclass(frozen=True)
class Evaluation:
    """Metrics (name → value, loss included) and one record per sample."""

    metrics: dict[str, float]
    records: list[dict[str, Any]]
    files: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Extra result files a task writes (file name → JSON data), e.g. COCO caption results."""


def task_predictions(
    task: Task, model: nn.Module, batch: Batch, output: Any, top_k: int = 1
) -> list[Any]:
    """The task's predictions for a batch: a task that generates (captioning) runs the model
    again, step by step, through its ``generate``; the others decode the forward pass."""
    generate = getattr(task, "generate", None)
    if callable(generate):
        predictions: list[Any] = generate(model, batch, top_k)
        return predictions
    return task.decode(output, top_k)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, torch.Tensor) else value


@torch.no_grad()
def evaluate(
    model: nn.Module,
    task: Task,
    loader: DataLoader[dict[str, Any]],
    device: torch.device,
    batch_transforms: Transforms,
    precision: str = "fp32",
) -> Evaluation:
    was_training = model.training
    model.eval()
    metric = task.metrics()
    records: list[dict[str, Any]] = []
    loss_sum, samples = 0.0, 0
    for batch in loader:
        batch = apply_batch_transforms(batch.to(device), batch_transforms)
        with autocast(device, precision):
            output = model(batch)
        loss_sum += float(task.loss(output, batch)) * batch.size
        samples += batch.size
        predictions = task_predictions(task, model, batch, output)
        metric.update(predictions, batch)
        for row, prediction in enumerate(predictions):
            record = {"id": _plain(batch["id"][row]) if "id" in batch else row}
            for field in task.record_fields:
                source = f"{field}{RAW_SUFFIX}" if f"{field}{RAW_SUFFIX}" in batch else field
                if source in batch:
                    record[field] = _plain(batch[source][row])
            record["prediction"] = prediction
            records.append(record)
    model.train(was_training)
    metrics = {"loss": loss_sum / max(1, samples), **metric.compute()}
    result_files = getattr(task, "result_files", None)
    files = result_files(records) if callable(result_files) else {}
    return Evaluation(metrics=metrics, records=records, files=files)


def evaluate_run(run_path: str | Path, split: str = "test", checkpoint: str = "best") -> Evaluation:
    """Rebuilds a run from its folder and evaluates one split; writes ``eval/<split>.json``."""
    run = RunDir(Path(run_path))
    config = run.load_config()
    folder = checkpoint_path(run.root, checkpoint)
    device = resolve_device(str(config.get("device", "auto")))
    transforms = components.build_transforms(config, run=run)
    task = components.build_task(config, run=run)
    model = components.build_model(config).to(device)
    load_weights(model, folder)
    dataset = components.prepared(components.build_dataset(config, split), transforms, task)
    loader = components.make_loader(dataset, data_settings(config))
    batch_transforms = components.build_batch_transforms(config)
    result = evaluate(
        model, task, loader, device, batch_transforms, training_settings(config).precision
    )
    step = int(load_training_state(folder)["position"]["step"])
    write_evaluation(run, split, result, checkpoint, step)
    return result


def write_evaluation(
    run: RunDir, split: str, result: Evaluation, checkpoint: str, step: int
) -> None:
    run.write_json(
        run.eval_file(split),
        {
            "split": split,
            "checkpoint": checkpoint,
            "step": step,
            "metrics": result.metrics,
            "predictions": result.records,
        },
    )
    for name, data in result.files.items():
        # eval/<split>/<name>: beside, not among, the eval/<split>.json files
        run.write_json(run.eval_file(split).with_suffix("") / name, data)
