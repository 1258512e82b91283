"""Feature caching in a run: ``polymodal extract`` writes a split's cached features, and the
train recipe swaps the cached encoders for readers of those features.

See :mod:`polymodal.data.feature_cache` for the cache's layout and validity rules.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from torch import nn
from torch.utils.data import Dataset

from polymodal.data.feature_cache import (
    CachedFieldsDataset,
    FeatureCache,
    FeatureCacheSettings,
    cache_hash,
    cached_encoder,
    extract_features,
    feature_cache_settings,
    with_cached_encoders,
)
from polymodal.data.fields import field_values
from polymodal.errors import ConfigError
from polymodal.recipes import components
from polymodal.recipes.components import Transforms
from polymodal.training.device import resolve_device
from polymodal.training.finetune import FineTuning
from polymodal.training.reproducibility import seed_everything


@dataclass(frozen=True)
class RunInputs:
    """What the training loop feeds and calls: with a cache, datasets whose cached fields hold
    features, transforms without those fields, and a model view reading the features."""

    model: nn.Module
    datasets: dict[str, Dataset[dict[str, Any]]]
    transforms: Transforms
    batch_transforms: Transforms
    cached_fields: tuple[str, ...] = ()


def rebuild_command(split: str) -> str:
    return f"polymodal extract CONFIG --split {split}"


def _check_frozen(model: nn.Module, tuning: FineTuning, field: str) -> None:
    encoder = cached_encoder(model, field)
    names = {id(p): n for n, p in model.named_parameters()}
    training = [
        names[id(p)] for p in encoder.parameters() if names[id(p)] not in tuning.frozen_for_good
    ]
    if training:
        raise ConfigError(
            f"feature_cache.fields: the {field!r} encoder is not frozen for the whole run "
            f"({len(training)} parameter(s) train, e.g. {training[0]}); freeze it with "
            f"finetune.freeze: [encoders.{field}] or stop caching it"
        )


def prepare_inputs(
    config: DictConfig,
    model: nn.Module,
    tuning: FineTuning,
    transforms: Transforms,
    batch_transforms: Transforms,
    datasets: dict[str, Dataset[dict[str, Any]] | None],
    augment: Sequence[Any],
) -> RunInputs:
    """The run's inputs, reading cached features when ``feature_cache`` is configured.

    Raises:
        ConfigError: a cached encoder trains, or sample augmentations would change cached fields.
        DataError: a split's cache is missing, stale or of another size (says how to rebuild).
    """
    present = {split: d for split, d in datasets.items() if d is not None}
    settings = feature_cache_settings(config)
    if settings is None:
        return RunInputs(model, present, transforms, batch_transforms)
    if augment:
        raise ConfigError(
            "feature_cache: sample augmentations (augment) change samples every epoch, so "
            "cached features cannot stand for them; remove augment or feature_cache"
        )
    for field in settings.fields:
        _check_frozen(model, tuning, field)
    cached: dict[str, Dataset[dict[str, Any]]] = {}
    for split, dataset in present.items():
        caches = {}
        for field in settings.fields:
            expected = cache_hash(config, cached_encoder(model, field), split, field)
            caches[field] = FeatureCache(
                settings.folder(config, split, field),
                expected,
                len(dataset),  # type: ignore[arg-type]
                rebuild_command(split),
            )
        cached[split] = CachedFieldsDataset(dataset, caches)
    keep = lambda fields: {k: v for k, v in fields.items() if k not in settings.fields}  # noqa: E731
    return RunInputs(
        with_cached_encoders(model, settings.fields),
        cached,
        keep(transforms),
        keep(batch_transforms),
        settings.fields,
    )


def extract(config: DictConfig, split: str) -> dict[str, Path]:
    """Runs the frozen encoders named in ``feature_cache.fields`` over ``split`` and writes
    their features; returns field → cache folder.

    The encoders are built exactly as training builds them (same seed, same pretrained
    folders, tokenizers fitted on the training split), so the hashes agree.
    """
    from polymodal.recipes.train import check_config

    settings: FeatureCacheSettings | None = feature_cache_settings(config)
    if settings is None:
        raise ConfigError(
            "feature_cache: the config has no feature_cache section naming the fields to cache"
        )
    check_config(config)
    seed_everything(int(config.get("seed", 0)))
    device = resolve_device(str(config.get("device", "auto")))
    train_set = components.build_dataset(config, "train")
    dataset = train_set if split == "train" else components.build_dataset(config, split)
    transforms = components.build_transforms(config, train_set)
    batch_transforms = components.build_batch_transforms(config)
    task = components.build_task(config, train_set)
    components.fill_meta(config, transforms, task)
    model = components.build_model(config).to(device)
    folders = {}
    for field in settings.fields:
        encoder = cached_encoder(model, field)
        folder = settings.folder(config, split, field)
        values = field_values(dataset, field)
        started = time.perf_counter()

        def report(done: int, total: int, field: str = field) -> None:
            print(f"\rextract {split}/{field}: {done}/{total}", end="", file=sys.stderr)

        index = extract_features(
            encoder,
            values,
            transforms.get(field),
            batch_transforms.get(field),
            folder,
            settings,
            {"hash": cache_hash(config, encoder, split, field), "field": field, "split": split},
            device,
            report,
        )
        print(file=sys.stderr)
        seconds = time.perf_counter() - started
        print(
            f"{folder}: {index['count']} samples × {index['dim']} ({index['store']}) in "
            f"{len(index['shards'])} shard(s), {seconds:.1f} s"
        )
        folders[field] = folder
    return folders
