"""Building a run's pieces from its config: shared by training, evaluation and prediction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler

from polymodal.config import instantiate
from polymodal.data.batch import Collate
from polymodal.data.fields import field_values
from polymodal.data.pipeline import SampleAugmentation, TransformedDataset
from polymodal.errors import ConfigError
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import DataSettings
from polymodal.tasks.base import Task

Transforms = dict[str, Callable[[Any], Any]]


def build_dataset(config: DictConfig, split: str) -> Dataset[dict[str, Any]]:
    node = config.data.get(split)
    if node is None:
        raise ConfigError(f"data.{split}: no dataset configured for split {split!r}")
    dataset: Dataset[dict[str, Any]] = instantiate(node, path=f"data.{split}")
    return dataset


def build_transforms(
    config: DictConfig,
    train: Dataset[dict[str, Any]] | None = None,
    run: RunDir | None = None,
) -> Transforms:
    """Builds ``transforms``; those with state (tokenizers) are fitted on ``train``'s field
    values, or loaded from ``run`` when it has them."""
    transforms: Transforms = {}
    for field, node in (config.get("transforms") or {}).items():
        transform = instantiate(node, path=f"transforms.{field}")
        if hasattr(transform, "fit"):
            state_file = run.transform_state(str(field)) if run is not None else None
            if state_file is not None and state_file.is_file():
                transform.load_state_dict(run.read_json(state_file))  # type: ignore[union-attr]
            elif train is not None:
                transform.fit(field_values(train, str(field)))
            else:
                raise ConfigError(f"transforms.{field} must be fitted, but no data was given")
        transforms[str(field)] = transform
    return transforms


def build_batch_transforms(config: DictConfig) -> Transforms:
    """Builds ``batch_transforms``: field → callable applied to collated batches on the device."""
    return {
        str(field): instantiate(node, path=f"batch_transforms.{field}")
        for field, node in (config.get("batch_transforms") or {}).items()
    }


def build_task(
    config: DictConfig, train: Dataset[dict[str, Any]] | None = None, run: RunDir | None = None
) -> Task:
    task: Task = instantiate(config.task, path="task")
    if run is not None and run.task_state.is_file():
        task.load_state_dict(run.read_json(run.task_state))
    elif train is not None:
        task.fit(train)
    else:
        raise ConfigError("the task must be fitted on training data, but none was given")
    return task


def fill_meta(config: DictConfig, transforms: Transforms, task: Task) -> dict[str, Any]:
    """Sets ``meta`` — what the model config interpolates that is learned from data — to
    ``<field>_vocab_size`` for each tokenizer, the task's sizes (``num_answers``…) and, for a
    task that says its answers in words (``VQATask(answer_words=...)``),
    ``<field>_answer_ids`` for each tokenizer with a word vocabulary: each answer's word id,
    or −1."""
    meta: dict[str, Any] = {
        f"{field}_vocab_size": int(transform.vocab_size)
        for field, transform in transforms.items()
        if hasattr(transform, "vocab_size")
    }
    meta.update(task.meta())
    words = getattr(task, "words_of_answers", lambda: None)()
    if words is not None:
        for field, transform in transforms.items():
            vocabulary = getattr(transform, "vocab", None)
            if isinstance(vocabulary, dict):
                meta[f"{field}_answer_ids"] = [
                    -1 if word is None else vocabulary.get(word.lower(), -1) for word in words
                ]
    OmegaConf.set_struct(config, False)
    config.meta = meta
    return meta


def save_fitted_state(run: RunDir, transforms: Transforms, task: Task) -> None:
    for field, transform in transforms.items():
        if hasattr(transform, "state_dict"):
            run.write_json(run.transform_state(field), transform.state_dict())
    run.write_json(run.task_state, task.state_dict())


def skip_reports(datasets: dict[str, Dataset[dict[str, Any]] | None]) -> dict[str, str]:
    """Split → the line a dataset reports about samples it skipped (broken images, rows never
    downloaded), for datasets that skipped any."""
    reports = {}
    for split, dataset in datasets.items():
        report = getattr(dataset, "skip_report", None)
        line = report() if callable(report) else None
        if line:
            reports[split] = str(line)
    return reports


def build_model(config: DictConfig) -> nn.Module:
    model: nn.Module = instantiate(config.model, path="model")
    if not isinstance(model, nn.Module):
        raise ConfigError(f"model: {config.model._component_} did not build a torch.nn.Module")
    return model


def make_loader(
    dataset: Dataset[dict[str, Any]],
    settings: DataSettings,
    train: bool = False,
    sampler: Sampler[int] | None = None,
    seed: int = 0,
) -> DataLoader[dict[str, Any]]:
    """A loader in dataset order (or ``sampler``'s).

    Its own generator, seeded by ``seed``, keeps the global random state untouched — starting
    a loader anywhere cannot change what training draws — and gives worker processes seeds
    that a resumed run reproduces (pass a different ``seed`` per epoch).
    """
    return DataLoader(
        dataset,
        batch_size=settings.batch_size if train else settings.eval_batch_size,
        sampler=sampler,
        shuffle=False,
        num_workers=settings.num_workers,
        collate_fn=Collate(settings.share),
        generator=torch.Generator().manual_seed(seed),
    )


def prepared(
    dataset: Dataset[dict[str, Any]],
    transforms: Transforms,
    task: Task,
    augment: Sequence[SampleAugmentation] = (),
    seed: int = 0,
) -> TransformedDataset:
    return TransformedDataset(dataset, transforms, task.targets, augment, seed)


def build_augmentations(config: DictConfig, section: str) -> list[Any]:
    """Builds ``augment`` (sample augmentations) or ``batch_augment``: name → component, in
    order; a name set to null is left out (so an override can switch one off)."""
    return [
        instantiate(node, path=f"{section}.{name}")
        for name, node in (config.get(section) or {}).items()
        if node is not None
    ]
