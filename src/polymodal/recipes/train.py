"""Supervised training, read top to bottom: setup → loop → evaluate → save.

A run killed at any moment continues with ``resume=true``: the ``last`` checkpoint holds the
weights, optimizer, schedule, random generators and the position in the epoch, and the data
order is a function of (seed, epoch), so the resumed run replays exactly what an
uninterrupted one would have done.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from polymodal.config import instantiate, validate
from polymodal.data.fields import field_values
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.errors import ConfigError
from polymodal.recipes import components
from polymodal.recipes.evaluate import Evaluation, evaluate, write_evaluation
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import (
    TrainingSettings,
    data_settings,
    settings_problems,
    training_settings,
)
from polymodal.recipes.summary import print_summary
from polymodal.training.checkpoint import (
    checkpoint_path,
    load_training_state,
    load_weights,
    save_checkpoint,
)
from polymodal.training.device import autocast, resolve_device
from polymodal.training.metrics_log import MetricsLog
from polymodal.training.optim import parameter_groups, warmup_cosine
from polymodal.training.progress import Progress, format_seconds
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


def _run_folder(config: DictConfig) -> tuple[RunDir, bool]:
    """The run folder, and whether it holds a checkpoint to resume from."""
    root = Path(str(config.get("output_dir", "runs"))) / str(config.name)
    if bool(config.get("resume", False)):
        return RunDir(root), (root / "checkpoints" / "last").exists()
    candidate, number = root, 1
    while candidate.exists():
        number += 1
        candidate = root.with_name(f"{root.name}-{number}")
    return RunDir(candidate), False


def _improved(value: float, best: float | None, mode: str) -> bool:
    return best is None or (value > best if mode == "max" else value < best)


def train(config: DictConfig) -> TrainResult:
    # ---- setup: everything that can fail on bad input happens before the run folder exists.
    check_config(config)
    settings: TrainingSettings = training_settings(config)
    data = data_settings(config)
    seed = int(config.get("seed", 0))
    seed_everything(seed)
    device = resolve_device(str(config.get("device", "auto")))
    run, resuming = _run_folder(config)

    train_set = components.build_dataset(config, "train")
    val_set = components.build_dataset(config, "val") if "val" in config.data else None
    test_set = components.build_dataset(config, "test") if "test" in config.data else None
    transforms = components.build_transforms(config, train_set, run if resuming else None)
    batch_transforms = components.build_batch_transforms(config)
    task = components.build_task(config, train_set, run if resuming else None)
    meta = components.fill_meta(config, transforms, task)
    check_config(config)
    model = components.build_model(config).to(device)
    weight_decay = float(config.optimizer.get("weight_decay", 0.0))
    optimizer: torch.optim.Optimizer = instantiate(
        config.optimizer, path="optimizer", params=parameter_groups(model, weight_decay)
    )

    batch_count = math.ceil(len(train_set) / data.batch_size)  # type: ignore[arg-type]
    steps_per_epoch = math.ceil(batch_count / settings.grad_accumulation)
    total_steps = settings.max_steps or settings.epochs * steps_per_epoch
    scheduler = warmup_cosine(
        optimizer, total_steps, round(settings.warmup_fraction * total_steps), settings.min_lr_ratio
    )
    groups = field_values(train_set, data.group_by) if data.group_by else None
    sampler = ResumableSampler(len(train_set), seed, groups=groups)  # type: ignore[arg-type]
    train_data = components.prepared(train_set, transforms, task)
    eval_loaders = {
        split: components.make_loader(components.prepared(dataset, transforms, task), data)
        for split, dataset in (("val", val_set), ("test", test_set))
        if dataset is not None
    }

    run.root.mkdir(parents=True, exist_ok=True)
    run.save_config(config)
    components.save_fitted_state(run, transforms, task)
    log = MetricsLog(run.metrics)
    step, epoch, batch_in_epoch = 0, 0, 0
    best_value: float | None = None
    train_seconds, samples_seen = 0.0, 0
    if resuming:
        folder = checkpoint_path(run.root, "last")
        load_weights(model, folder)
        state = load_training_state(folder)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state["rng"])
        step, epoch, batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        best_value, train_seconds = state["best_value"], state["train_seconds"]
        samples_seen = state["samples_seen"]
        log.truncate_after(step)
        print(f"resuming {run.root} from step {step} (epoch {epoch}, batch {batch_in_epoch})")
    else:
        log.truncate_after(-1)
    print(f"run folder: {run.root}")
    print(f"data: train {len(train_set)}, "  # type: ignore[arg-type]
          + ", ".join(f"{s} {len(loader.dataset)}" for s, loader in eval_loaders.items())  # type: ignore[arg-type]
          + f"; meta {meta}")
    parameters = sum(p.numel() for p in model.parameters())
    print(f"model: {parameters:,} parameters on {device}; {total_steps} steps "
          f"({steps_per_epoch} per epoch), batch {data.batch_size}×{settings.grad_accumulation}")

    def save(links: tuple[str, ...]) -> None:
        training_state = {
            "step": step, "epoch": epoch, "batch_in_epoch": batch_in_epoch,
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "rng": rng_state(), "best_value": best_value, "train_seconds": train_seconds,
            "samples_seen": samples_seen,
        }
        save_checkpoint(run.checkpoints, step, model, training_state, links)

    # ---- loop
    model.train()
    progress = Progress(total_steps, step, settings.log_every)
    loss_sum, loss_batches = 0.0, 0
    while step < total_steps:
        if batch_in_epoch >= batch_count:
            epoch, batch_in_epoch = epoch + 1, 0
        sampler.set_position(epoch, batch_in_epoch * data.batch_size)
        loader = components.make_loader(train_data, data, train=True, sampler=sampler)
        group_start = time.perf_counter()
        group: list[Any] = []
        for batch in loader:
            group_size = min(settings.grad_accumulation, batch_count - batch_in_epoch + len(group))
            batch = apply_batch_transforms(batch.to(device), batch_transforms)
            with autocast(device, settings.precision):
                output = model(batch)
            loss = task.loss(output, batch)
            (loss / group_size).backward()
            group.append(batch.size)
            loss_sum, loss_batches = loss_sum + loss.item(), loss_batches + 1
            batch_in_epoch += 1
            if len(group) < group_size:
                continue
            if settings.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            step += 1
            elapsed = time.perf_counter() - group_start
            train_seconds += elapsed
            samples_seen += sum(group)
            rate = sum(group) / max(elapsed, 1e-9)
            lr = scheduler.get_last_lr()[0]
            progress.update(step, epoch, loss_sum / loss_batches, lr, rate)
            if step % settings.log_every == 0 or step == total_steps:
                log.append({"step": step, "epoch": epoch, "split": "train",
                            "loss": loss_sum / loss_batches, "lr": lr, "samples_per_s": rate})
                loss_sum, loss_batches = 0.0, 0
            epoch_end = batch_in_epoch == batch_count
            evaluate_now = step == total_steps or (
                step % settings.eval_every == 0 if settings.eval_every else epoch_end
            )
            links: tuple[str, ...] = ()
            if evaluate_now and "val" in eval_loaders:
                result = evaluate(
                    model, task, eval_loaders["val"], device, batch_transforms, settings.precision
                )
                log.append({"step": step, "epoch": epoch, "split": "val", **result.metrics})
                value = result.metrics.get(settings.best_metric.removeprefix("val/"))
                if value is None:
                    raise ConfigError(
                        f"training.best_metric: {settings.best_metric!r} is not among the "
                        f"validation metrics: {sorted('val/' + k for k in result.metrics)}"
                    )
                summary = ", ".join(f"{k} {v:.4f}" for k, v in result.metrics.items() if "/" not in k)
                progress.write(f"step {step}: val {summary}")
                links = ("last", "best") if _improved(value, best_value, settings.best_mode) else ("last",)
                if links == ("last", "best"):
                    best_value = value
            elif evaluate_now and step == total_steps:
                links = ("last", "best")
            if not links and settings.checkpoint_every and step % settings.checkpoint_every == 0:
                links = ("last",)
            if links:
                save(links)
            group, group_start = [], time.perf_counter()
            if step >= total_steps:
                break
    progress.close()

    # ---- final evaluation, with the best (or last) weights
    final = checkpoint_path(run.root, settings.final_checkpoint)
    load_weights(model, final)
    final_step = int(load_training_state(final)["step"])
    results: dict[str, Evaluation] = {}
    for split, loader in eval_loaders.items():
        results[split] = evaluate(
            model, task, loader, device, batch_transforms, settings.precision
        )
        write_evaluation(run, split, results[split], settings.final_checkpoint, final_step)
        log.append({"step": total_steps, "split": f"final/{split}", **results[split].metrics})
    rate = samples_seen / max(train_seconds, 1e-9)
    print_summary(run.root, {s: r.metrics for s, r in results.items()}, train_seconds, rate,
                  settings.final_checkpoint, final_step)
    print(f"training time {format_seconds(train_seconds)}")
    return TrainResult(run.root, {s: r.metrics for s, r in results.items()}, train_seconds, rate)
