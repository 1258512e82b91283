"""Building a multi-task run's pieces: every task's datasets and task object, the shared
tokenizers (fitted on all tasks' training data) and ``meta``.

Shared by the multi-task recipe, its evaluation and its prediction; the single-task builders
of :mod:`polymodal.recipes.components` do the rest (model, loaders, batch transforms).
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import Dataset

from polymodal.config import instantiate, to_plain
from polymodal.data.fields import field_values
from polymodal.errors import CheckpointError, ConfigError, DataError
from polymodal.recipes import components
from polymodal.recipes.components import Transforms
from polymodal.recipes.multitask_config import task_names
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import DataSettings
from polymodal.tasks.base import Task


@dataclass(frozen=True)
class TaskSpec:
    """One task of a multi-task run.

    Attributes:
        name: the task's key under ``tasks:``.
        task: the task object (loss, metrics, decoding; ``task.head`` names its head).
        weight: its loss weight.
        metrics: the metric names to report (``None``: all).
        fields: the fields of the task's samples (which transforms apply to it).
    """

    name: str
    task: Task
    weight: float
    metrics: tuple[str, ...] | None
    fields: frozenset[str]

    def keep(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """``metrics`` restricted to the configured names (the loss always stays)."""
        if self.metrics is None:
            return dict(metrics)
        return {k: v for k, v in metrics.items() if k == "loss" or k in self.metrics}

    def transforms(self, transforms: Transforms) -> Transforms:
        """The transforms of the fields this task's samples have."""
        return {field: t for field, t in transforms.items() if field in self.fields}

    def data_settings(self, data: DataSettings) -> DataSettings:
        """``data.group_by`` (with ``group_size``) and ``data.share`` where this task's samples
        have their fields (e.g. no image sharing for a text-only task)."""
        share = {f: k for f, k in (data.share or {}).items() if {f, k} <= self.fields}
        grouped = data.group_by in self.fields
        return dataclasses.replace(
            data,
            group_by=data.group_by if grouped else None,
            group_size=data.group_size if grouped else None,
            share=share or None,
        )


def task_seed(seed: int, name: str) -> int:
    """A per-task seed that does not change when other tasks are added or removed."""
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**31


def task_state_file(run: RunDir, name: str) -> Path:
    return run.state / f"task_{name}.json"


def build_task_datasets(
    config: DictConfig, names: Iterable[str], splits: Iterable[str]
) -> dict[str, dict[str, Dataset[dict[str, Any]]]]:
    """task → split → dataset, for the splits each task configures.

    Tasks whose dataset nodes are equal share one dataset object (e.g. a shape and a colour
    task on the same images), so the data is read and held once.
    """
    built: dict[str, Dataset[dict[str, Any]]] = {}
    datasets: dict[str, dict[str, Dataset[dict[str, Any]]]] = {}
    for name in names:
        datasets[name] = {}
        for split in splits:
            node = config.tasks[name].data.get(split)
            if node is None:
                continue
            key = json.dumps(to_plain(node), sort_keys=True, default=str)
            if key not in built:
                built[key] = instantiate(node, path=f"tasks.{name}.data.{split}")
            datasets[name][split] = built[key]
    return datasets


def sample_fields(dataset: Dataset[dict[str, Any]], where: str) -> frozenset[str]:
    """The fields of a dataset's samples (read from its first sample)."""
    if len(dataset) == 0:  # type: ignore[arg-type]
        raise DataError(f"{where}: the dataset is empty")
    return frozenset(dataset[0])


class FieldUnion(Dataset[dict[str, Any]]):
    """Several datasets seen as one by :func:`~polymodal.data.fields.field_values`: a field's
    values are those of every dataset whose samples have it — what shared tokenizers are
    fitted on."""

    def __init__(
        self, datasets: Iterable[Dataset[dict[str, Any]]], fields: Iterable[frozenset[str]]
    ) -> None:
        self.parts = list(zip(datasets, fields, strict=True))

    def field_values(self, field: str) -> list[Any]:
        return [
            v for data, fields in self.parts if field in fields for v in field_values(data, field)
        ]

    def __len__(self) -> int:
        return sum(len(data) for data, _ in self.parts)  # type: ignore[arg-type,misc]

    def __getitem__(self, index: int) -> dict[str, Any]:
        raise TypeError("FieldUnion only lists field values")


def build_shared_transforms(
    config: DictConfig,
    train_sets: Mapping[str, Dataset[dict[str, Any]]] | None,
    fields: Mapping[str, frozenset[str]] | None,
    run: RunDir | None = None,
) -> Transforms:
    """Builds ``transforms``; tokenizers are fitted on the union of the tasks' training
    splits (each training dataset counted once), or loaded from ``run``."""
    if train_sets is None or fields is None:
        return components.build_transforms(config, None, run)
    unique: dict[int, tuple[Dataset[dict[str, Any]], frozenset[str]]] = {}
    for name, dataset in train_sets.items():
        unique.setdefault(id(dataset), (dataset, fields[name]))
    all_fields = frozenset().union(*fields.values())
    for field in config.get("transforms") or {}:
        if str(field) not in all_fields:
            raise ConfigError(
                f"transforms.{field}: no task's samples have a field {str(field)!r}; "
                f"fields: {sorted(all_fields)}"
            )
    union = FieldUnion((d for d, _ in unique.values()), (f for _, f in unique.values()))
    return components.build_transforms(config, union, run)


def build_task_specs(
    config: DictConfig,
    fields: Mapping[str, frozenset[str]],
    train_sets: Mapping[str, Dataset[dict[str, Any]]] | None = None,
    run: RunDir | None = None,
) -> dict[str, TaskSpec]:
    """Each task, fitted on its training split or loaded from ``run``'s saved state."""
    specs = {}
    for name in task_names(config):
        node = config.tasks[name]
        task: Task = instantiate(node.task, path=f"tasks.{name}.task")
        state = task_state_file(run, name) if run is not None else None
        if run is not None and state is not None and state.is_file():
            task.load_state_dict(run.read_json(state))
        elif train_sets is not None:
            task.fit(train_sets[name])
        else:
            raise CheckpointError(f"{state}: the fitted state of task {name!r} is missing")
        metrics = node.get("metrics")
        specs[name] = TaskSpec(
            name=name,
            task=task,
            weight=float(node.get("weight", 1.0)),
            metrics=tuple(str(m) for m in metrics) if metrics is not None else None,
            fields=fields[name],
        )
    return specs


def fill_multitask_meta(
    config: DictConfig, transforms: Transforms, specs: Mapping[str, TaskSpec]
) -> dict[str, int]:
    """Sets ``meta``: ``<field>_vocab_size`` per tokenizer and each task's sizes prefixed by
    its name (``vqa_num_answers``, ``shape_num_classes``...)."""
    meta = {
        f"{field}_vocab_size": int(transform.vocab_size)
        for field, transform in transforms.items()
        if hasattr(transform, "vocab_size")
    }
    for name, spec in specs.items():
        meta.update({f"{name}_{key}": value for key, value in spec.task.meta().items()})
    OmegaConf.set_struct(config, False)
    config.meta = meta
    return meta


def save_multitask_state(
    run: RunDir, transforms: Transforms, specs: Mapping[str, TaskSpec]
) -> None:
    """Writes what was fitted (tokenizers, each task's labels) to ``state/``, and each task's
    sample fields, so evaluation and prediction need no training data."""
    for field, transform in transforms.items():
        if hasattr(transform, "state_dict"):
            run.write_json(run.transform_state(field), transform.state_dict())
    for name, spec in specs.items():
        run.write_json(task_state_file(run, name), spec.task.state_dict())
    run.write_json(run.state / "task_fields.json", {n: sorted(s.fields) for n, s in specs.items()})


def load_task_fields(run: RunDir) -> dict[str, frozenset[str]]:
    fields = run.read_json(run.state / "task_fields.json")
    return {str(name): frozenset(values) for name, values in fields.items()}


def check_heads(model: nn.Module, specs: Mapping[str, TaskSpec]) -> None:
    """Every task's head exists in the model."""
    heads = list(getattr(model, "heads", {}))
    for name, spec in specs.items():
        if spec.task.head not in heads:
            raise ConfigError(
                f"tasks.{name}.task: head {spec.task.head!r} is not one of the model's heads "
                f"{heads} (model.heads)"
            )
