"""Supervised training, read top to bottom: setup → loop → evaluate → save.

A run killed at any moment continues with ``resume=true``: the ``last`` checkpoint holds the
weights, optimizer, schedule, random generators and the position in the epoch, and the data
order is a function of (seed, epoch), so the resumed run replays exactly what an
uninterrupted one would have done.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig

from polymodal.config import instantiate, validate
from polymodal.data.fields import field_values
from polymodal.data.pipeline import apply_batch_transforms, seeded_generator
from polymodal.errors import ConfigError
from polymodal.recipes import components
from polymodal.recipes.evaluate import evaluate, write_evaluation
from polymodal.recipes.feature_caching import prepare_inputs
from polymodal.recipes.run_dir import open_run_folder
from polymodal.recipes.settings import (
    TrainingSettings,
    data_settings,
    settings_problems,
    training_settings,
)
from polymodal.recipes.summary import print_summary, print_time_limit_stop
from polymodal.report import write_report
from polymodal.training.checkpoint import (
    checkpoint_path,
    load_training_state,
    load_weights,
    save_checkpoint,
)
from polymodal.training.device import autocast, resolve_device
from polymodal.training.finetune import FineTuning, finetune_settings
from polymodal.training.init_from import (
    InitReport,
    extend_vocabularies,
    init_from_settings,
    load_initial_weights,
)
from polymodal.training.metrics_log import MetricsLog
from polymodal.training.optim import warmup_cosine
from polymodal.training.progress import Progress
from polymodal.training.reproducibility import restore_rng_state, rng_state, seed_everything
from polymodal.training.sampling import ResumableSampler

# Arguments the recipe passes itself when it builds these components.
RUNTIME_ARGS = {"optimizer": {"params"}}


@dataclass(frozen=True)
class TrainResult:
    """Where the run is, and its final evaluations (split → metrics)."""

    run_dir: Path
    metrics: dict[str, dict[str, float]]
    train_seconds: float
    samples_per_second: float


def check_config(config: DictConfig) -> None:
    """Raises one ConfigError listing every problem in the config."""
    problems = settings_problems(config) + validate(config, RUNTIME_ARGS)
    if problems:
        listing = "\n  ".join(problems)
        raise ConfigError(f"the config has {len(problems)} problem(s):\n  {listing}")


@dataclass
class Position:
    """Where training is: saved in every checkpoint, so a resumed run continues from here."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    best_value: float | None = None
    train_seconds: float = 0.0
    samples_seen: int = 0


def _evaluation_due(position: Position, settings: TrainingSettings, batch_count: int) -> bool:
    if settings.eval_every:
        return position.step % settings.eval_every == 0
    return position.batch_in_epoch == batch_count  # the end of an epoch


def _best_metric_value(metrics: dict[str, float], best_metric: str) -> float:
    value = metrics.get(best_metric.removeprefix("val/"))
    if value is None:
        raise ConfigError(
            f"training.best_metric: {best_metric!r} is not among the validation metrics: "
            f"{sorted('val/' + name for name in metrics)}"
        )
    return value


def _improved(value: float, best: float | None, mode: str) -> bool:
    return best is None or (value > best if mode == "max" else value < best)


def train(config: DictConfig) -> TrainResult:
    # ---- setup: everything that can fail on bad input happens before the run folder exists.
    check_config(config)
    settings: TrainingSettings = training_settings(config)
    data = data_settings(config)
    if settings.num_threads:
        torch.set_num_threads(settings.num_threads)
    seed = int(config.get("seed", 0))
    seed_everything(seed)
    device = resolve_device(str(config.get("device", "auto")))
    run, resuming = open_run_folder(config)

    train_set = components.build_dataset(config, "train")
    val_set = components.build_dataset(config, "val") if "val" in config.data else None
    test_set = components.build_dataset(config, "test") if "test" in config.data else None
    transforms = components.build_transforms(config, train_set, run if resuming else None)
    # A resumed run has its weights and vocabularies already: init_from applies once.
    initial = None if resuming else init_from_settings(config)
    init_report = InitReport(initial.path) if initial else None
    if initial and init_report:
        extend_vocabularies(initial, transforms, init_report)
    batch_transforms = components.build_batch_transforms(config)
    task = components.build_task(config, train_set, run if resuming else None)
    meta = components.fill_meta(config, transforms, task)
    check_config(config)
    model = components.build_model(config).to(device)
    if initial and init_report:
        load_initial_weights(model, initial, init_report)
    # Frozen-for-good parameters stay out of the optimizer; see training/finetune.py.
    tuning = FineTuning(model, finetune_settings(config))
    weight_decay = float(config.optimizer.get("weight_decay", 0.0))
    base_lr = config.optimizer.get("lr")
    optimizer: torch.optim.Optimizer = instantiate(
        config.optimizer,
        path="optimizer",
        params=tuning.parameter_groups(weight_decay, None if base_lr is None else float(base_lr)),
    )

    batch_count = math.ceil(len(train_set) / data.batch_size)  # type: ignore[arg-type]
    steps_per_epoch = math.ceil(batch_count / settings.grad_accumulation)
    total_steps = settings.max_steps or settings.epochs * steps_per_epoch
    scheduler = warmup_cosine(
        optimizer, total_steps, round(settings.warmup_fraction * total_steps), settings.min_lr_ratio
    )
    groups = field_values(train_set, data.group_by) if data.group_by else None
    sampler = ResumableSampler(
        len(train_set),  # type: ignore[arg-type]
        seed,
        groups=groups,
        group_size=data.group_size if groups else None,
    )
    augment = components.build_augmentations(config, "augment")
    batch_augment = components.build_augmentations(config, "batch_augment")
    # With feature_cache, cached fields hold features and `inputs.model` reads them.
    inputs = prepare_inputs(
        config,
        model,
        tuning,
        transforms,
        batch_transforms,
        {"train": train_set, "val": val_set, "test": test_set},
        augment,
    )
    batch_transforms = inputs.batch_transforms
    train_data = components.prepared(
        inputs.datasets["train"], inputs.transforms, task, augment, seed
    )
    eval_loaders = {
        split: components.make_loader(components.prepared(dataset, inputs.transforms, task), data)
        for split, dataset in inputs.datasets.items()
        if split != "train"
    }

    run.root.mkdir(parents=True, exist_ok=True)
    run.save_config(config)
    components.save_fitted_state(run, transforms, task)
    log = MetricsLog(run.metrics)
    if init_report:
        print(init_report.summary())
        print(f"init_from keys: {init_report.write(run.root)}")
    position = Position()
    if resuming:
        folder = checkpoint_path(run.root, "last")
        load_weights(model, folder)
        state = load_training_state(folder)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state["rng"])
        position = Position(**state["position"])
        print(
            f"resuming {run.root} from step {position.step} "
            f"(epoch {position.epoch}, batch {position.batch_in_epoch})"
        )
    log.truncate_after(position.step if resuming else -1)
    tuning.apply(position.epoch)
    trainable, frozen = tuning.counts()
    print(f"parameters: {trainable:,} trainable, {frozen:,} frozen")
    if inputs.cached_fields:
        print(f"feature cache: {', '.join(inputs.cached_fields)} read from cached features")
    log.append(
        {"step": position.step, "split": "parameters", "trainable": trainable, "frozen": frozen}
    )
    sizes = ", ".join(f"{split} {len(loader.dataset)}" for split, loader in eval_loaders.items())  # type: ignore[arg-type]
    print(f"run folder: {run.root}")
    print(f"data: train {len(train_set)}, {sizes}; meta {meta}")  # type: ignore[arg-type]
    print(
        f"model: {sum(p.numel() for p in model.parameters()):,} parameters on {device}; "
        f"{total_steps} steps ({steps_per_epoch} per epoch), "
        f"batch {data.batch_size}×{settings.grad_accumulation}"
    )

    def save(links: tuple[str, ...]) -> None:
        training_state = {
            "position": dataclasses.asdict(position),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(),
        }
        save_checkpoint(run.checkpoints, position.step, model, training_state, links)

    # ---- loop: one optimizer step per `grad_accumulation` batches (fewer at an epoch's end)
    model.train()
    tuning.set_frozen_modules_to_eval()
    progress = Progress(total_steps, position.step, settings.log_every)
    loss_sum, loss_batches = 0.0, 0
    while position.step < total_steps and not settings.out_of_time(position.train_seconds):
        if position.batch_in_epoch >= batch_count:
            position.epoch, position.batch_in_epoch = position.epoch + 1, 0
        sampler.set_position(position.epoch, position.batch_in_epoch * data.batch_size)
        train_data.set_epoch(position.epoch)
        if tuning.apply(position.epoch):  # gradual unfreezing
            tuning.set_frozen_modules_to_eval()
            trainable, frozen = tuning.counts()
            print(f"epoch {position.epoch}: {trainable:,} trainable, {frozen:,} frozen parameters")
        loader = components.make_loader(
            train_data, data, train=True, sampler=sampler, seed=seed * 1_000_003 + position.epoch
        )
        group_start, group_samples, group_batches = time.perf_counter(), 0, 0
        for batch in loader:
            group_size = min(
                settings.grad_accumulation, batch_count - position.batch_in_epoch + group_batches
            )
            batch = apply_batch_transforms(batch.to(device), batch_transforms)
            for augmentation in batch_augment:
                batch = augmentation(
                    batch, seeded_generator(seed, position.step, group_batches, device=device)
                )
            with autocast(device, settings.precision):
                output = inputs.model(batch)
            loss = task.loss(output, batch)
            (loss / group_size).backward()
            loss_sum, loss_batches = loss_sum + loss.item(), loss_batches + 1
            group_samples, group_batches = group_samples + batch.size, group_batches + 1
            position.batch_in_epoch += 1
            if group_batches < group_size:
                continue
            if settings.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            position.step += 1
            elapsed = time.perf_counter() - group_start
            position.train_seconds += elapsed
            position.samples_seen += group_samples
            rate, lr = group_samples / max(elapsed, 1e-9), float(scheduler.get_last_lr()[0])
            progress.update(position.step, position.epoch, loss_sum / loss_batches, lr, rate)
            last_step = position.step == total_steps or settings.out_of_time(position.train_seconds)
            if position.step % settings.log_every == 0 or last_step:
                log.append(
                    {
                        "step": position.step,
                        "epoch": position.epoch,
                        "split": "train",
                        "loss": loss_sum / loss_batches,
                        "lr": lr,
                        "samples_per_s": rate,
                    }
                )
                loss_sum, loss_batches = 0.0, 0

            links: tuple[str, ...] = ()
            if last_step or _evaluation_due(position, settings, batch_count):
                links = ("last", "best")  # without validation, the newest is the best
                if "val" in eval_loaders:
                    val_metrics = evaluate(
                        inputs.model,
                        task,
                        eval_loaders["val"],
                        device,
                        batch_transforms,
                        settings.precision,
                    ).metrics
                    tuning.set_frozen_modules_to_eval()  # evaluate() left all in train mode
                    log.append(
                        {
                            "step": position.step,
                            "epoch": position.epoch,
                            "split": "val",
                            **val_metrics,
                        }
                    )
                    progress.write(
                        f"step {position.step}: val "
                        + ", ".join(f"{k} {v:.4f}" for k, v in val_metrics.items() if "/" not in k)
                    )
                    value = _best_metric_value(val_metrics, settings.best_metric)
                    if _improved(value, position.best_value, settings.best_mode):
                        position.best_value = value
                    else:
                        links = ("last",)
            elif settings.checkpoint_every and position.step % settings.checkpoint_every == 0:
                links = ("last",)
            if links:
                save(links)
            group_start, group_samples, group_batches = time.perf_counter(), 0, 0
            if last_step:
                break
    progress.close()
    print_time_limit_stop(settings.max_minutes, position.step, total_steps, position.train_seconds)

    # ---- final evaluation, with the best (or last) weights
    final = checkpoint_path(run.root, settings.final_checkpoint)
    load_weights(model, final)
    final_step = int(load_training_state(final)["position"]["step"])
    metrics: dict[str, dict[str, float]] = {}
    for split, loader in eval_loaders.items():
        result = evaluate(inputs.model, task, loader, device, batch_transforms, settings.precision)
        write_evaluation(run, split, result, settings.final_checkpoint, final_step)
        log.append({"step": position.step, "split": f"final/{split}", **result.metrics})
        metrics[split] = result.metrics
    datasets = {"train": train_set, "val": val_set, "test": test_set}
    for split, report in components.skip_reports(datasets).items():
        print(f"data {split}: {report}")
        log.append({"step": position.step, "split": f"data/{split}", "skipped": report})
    rate = position.samples_seen / max(position.train_seconds, 1e-9)
    print_summary(
        run.root, metrics, position.train_seconds, rate, settings.final_checkpoint, final_step
    )
    if metrics and getattr(task, "labelled_predictions", True):
        print(f"report: {write_report(run.root)}")
    return TrainResult(run.root, metrics, position.train_seconds, rate)
