"""The recipe's own config sections (those that are settings, not components), checked
against dataclasses so that a misspelled key is an error, not silently ignored."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, fields, replace
from typing import Any

from omegaconf import DictConfig

from polymodal.config import to_plain
from polymodal.data.feature_cache import feature_cache_settings
from polymodal.errors import ConfigError
from polymodal.training.finetune import finetune_settings
from polymodal.training.init_from import init_from_problems

TOP_LEVEL_KEYS = frozenset(
    {
        "name",
        "seed",
        "device",
        "output_dir",
        "resume",
        "meta",
        "data",
        "transforms",
        "task",
        "model",
        "optimizer",
        "training",
        "batch_transforms",
        "augment",
        "batch_augment",
    }
)
# Single-task runs only (the multi-task recipe does not initialise from a run).
SINGLE_TASK_KEYS = TOP_LEVEL_KEYS | {"init_from"}
# Fine-tuning controls and feature caching: read by the single-task recipe.
SINGLE_TASK_KEYS |= {"finetune", "feature_cache"}
DATA_SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class TrainingSettings:
    """``training:`` — how long and how to optimise.

    Attributes:
        epochs: passes over the training split (ignored when ``max_steps`` is set).
        max_steps: optimizer steps in all, or ``None`` to use ``epochs``.
        max_minutes: stop once this much training time has passed — the ``train time`` the
            summary prints: steps and data loading, not evaluation or checkpoints — then
            evaluate and save as at the last step (``None``: no limit). The learning-rate
            schedule still spans ``max_steps``, so a run stopped by time ends before its
            rate has decayed; the best checkpoint is still the best one validated in time.
        grad_accumulation: batches whose gradients are summed per optimizer step.
        grad_clip: maximum global gradient norm (``None``: no clipping).
        precision: ``fp32`` or ``bf16`` (autocast).
        warmup_fraction: share of the steps spent warming the learning rate up.
        min_lr_ratio: the cosine schedule ends at this fraction of the learning rate.
        eval_every: evaluate on ``val`` every this many steps (``None``: each epoch's end).
        checkpoint_every: save ``last`` every this many steps (``None``: at evaluations only).
        log_every: log the training loss every this many steps.
        best_metric: the metric (as logged, e.g. ``val/accuracy``) that picks ``best``.
        best_mode: ``max`` or ``min``.
        final_checkpoint: which checkpoint the final evaluation uses: ``best`` or ``last``.
        num_threads: CPU threads for PyTorch's operators (``None``: PyTorch's default). One
            thread avoids OpenMP's busy-waiting when other processes share the cores.
    """

    epochs: int = 1
    max_steps: int | None = None
    max_minutes: float | None = None
    grad_accumulation: int = 1
    grad_clip: float | None = 1.0
    precision: str = "fp32"
    warmup_fraction: float = 0.05
    min_lr_ratio: float = 0.01
    eval_every: int | None = None
    checkpoint_every: int | None = None
    log_every: int = 50
    best_metric: str = "val/accuracy"
    best_mode: str = "max"
    final_checkpoint: str = "best"
    num_threads: int | None = None

    def out_of_time(self, train_seconds: float) -> bool:
        """Whether ``max_minutes`` of training have passed."""
        return self.max_minutes is not None and train_seconds >= 60 * self.max_minutes


@dataclass(frozen=True)
class DataSettings:
    """``data:`` — loading (the ``train`` / ``val`` / ``test`` datasets are components).

    Attributes:
        batch_size: training batch size (per optimizer micro-step).
        eval_batch_size: batch size for evaluation and prediction.
        num_workers: DataLoader worker processes (0 loads in the main process).
        group_by: sample field whose equal values the training sampler keeps together
            (e.g. ``image_id``: all questions about an image in a row), or ``None``.
        group_size: with ``group_by``, keep at most this many samples of a group together
            (each group, shuffled, is cut into runs of this length every epoch), so a batch
            mixes more groups; ``None`` keeps whole groups.
        share: field → key field: samples with equal keys share one row of the field in a
            batch, so it is encoded once (e.g. ``{image: image_id}``).
    """

    batch_size: int = 64
    eval_batch_size: int = 256
    num_workers: int = 0
    group_by: str | None = None
    group_size: int | None = None
    share: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.group_size is not None and (self.group_by is None or self.group_size < 1):
            raise ConfigError(
                f"data.group_size={self.group_size}: needs data.group_by and a size of at least 1"
            )


def _bind(cls: type[Any], section: str, node: Any, ignore: tuple[str, ...] = ()) -> Any:
    values = to_plain(node) if node is not None else {}
    if not isinstance(values, dict):
        raise ConfigError(f"{section}: expected a mapping, got {values!r}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known - set(ignore))
    if unknown:
        raise ConfigError(f"{section}: unknown key(s) {unknown}; known keys: {sorted(known)}")
    return cls(**{k: v for k, v in values.items() if k in known})


def training_settings(config: DictConfig) -> TrainingSettings:
    settings: TrainingSettings = _bind(TrainingSettings, "training", config.get("training"))
    if settings.best_mode not in ("max", "min"):
        raise ConfigError(f"training.best_mode must be 'max' or 'min', got {settings.best_mode!r}")
    if settings.final_checkpoint not in ("best", "last"):
        raise ConfigError("training.final_checkpoint must be 'best' or 'last'")
    if settings.grad_accumulation < 1:
        raise ConfigError("training.grad_accumulation must be ≥ 1")
    minutes = settings.max_minutes
    if isinstance(minutes, str):  # YAML reads 1e-3 (no dot) as text
        with suppress(ValueError):
            minutes = float(minutes)
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0
    ):
        raise ConfigError(
            f"training.max_minutes must be a positive number of minutes, got {minutes!r}"
        )
    return replace(settings, max_minutes=minutes)


def data_settings(config: DictConfig) -> DataSettings:
    data = config.get("data")
    if isinstance(data, DictConfig):
        # The splits are dataset components, checked as such: resolving them here would stop
        # at an interpolation of a value given on the command line (val.root: ${data.train.root}
        # with train.root: ???).
        data = {key: to_plain(data[key]) for key in data if key not in DATA_SPLITS}
    settings: DataSettings = _bind(DataSettings, "data", data, ignore=DATA_SPLITS)
    return settings


def settings_problems(config: DictConfig) -> list[str]:
    """Problems with the non-component sections, for ``validate``."""
    problems = [
        f"{key!s}: unknown top-level key; known keys: {sorted(SINGLE_TASK_KEYS)}"
        for key in config
        if key not in SINGLE_TASK_KEYS
    ]
    for required in ("data", "task", "model", "optimizer"):
        if required not in config:
            problems.append(f"{required}: missing section")
    if "data" in config and "train" not in config.data:
        problems.append("data.train: missing (the training dataset component)")
    for check in (training_settings, data_settings, finetune_settings, feature_cache_settings):
        try:
            check(config)
        except (ConfigError, TypeError) as error:
            problems.append(str(error))
    return problems + init_from_problems(config)
