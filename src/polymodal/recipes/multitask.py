"""Multi-task training, read top to bottom: setup → loop → evaluate → save.

Several tasks — each with its own datasets, head, loss, metrics and weight (``tasks:``) —
train one model whose encoders and fusion they share. Each optimizer step holds
``training.grad_accumulation`` micro-batches; the task sampler (``task_sampling:``) picks the
task of each, and that task's stream yields its next batch. The loss balancer
(``loss_balancing:``) turns the step's per-task mean losses into gradients. An "epoch" is
``training.steps_per_epoch`` steps.

A run killed at any moment continues with ``resume=true``: the ``last`` checkpoint holds the
weights, optimizer, schedule, random generators, the balancer's state (learned weights), the
sampler's position and every task stream's (pass, batch), so the resumed run draws the same
tasks and batches as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import torch
from omegaconf import DictConfig
from torch import nn

from polymodal.config import instantiate
from polymodal.data.batch import Batch
from polymodal.data.fields import field_values
from polymodal.data.pipeline import apply_batch_transforms, seeded_generator
from polymodal.errors import CheckpointError
from polymodal.models.multimodal import ModelOutput
from polymodal.recipes import components
from polymodal.recipes.multitask_components import (
    build_shared_transforms,
    build_task_datasets,
    build_task_specs,
    check_heads,
    fill_multitask_meta,
    sample_fields,
    save_multitask_state,
    task_seed,
)
from polymodal.recipes.multitask_config import (
    DEFAULT_LOSS_BALANCING,
    DEFAULT_TASK_SAMPLING,
    check_multitask_config,
    is_multitask,
    multitask_settings,
    task_names,
)
from polymodal.recipes.multitask_eval import (
    evaluate_task,
    prefixed,
    selection_value,
    task_loader,
    write_task_evaluation,
)
from polymodal.recipes.multitask_streams import TaskStream
from polymodal.recipes.multitask_summary import print_multitask_summary
from polymodal.recipes.run_dir import open_run_folder
from polymodal.recipes.settings import DATA_SPLITS, data_settings
from polymodal.recipes.summary import print_time_limit_stop
from polymodal.recipes.train import TrainResult
from polymodal.training.balancing import LossBalancer
from polymodal.training.checkpoint import (
    checkpoint_path,
    load_training_state,
    load_weights,
    save_checkpoint,
)
from polymodal.training.device import autocast, resolve_device
from polymodal.training.metrics_log import MetricsLog
from polymodal.training.optim import parameter_groups, warmup_cosine
from polymodal.training.progress import Progress
from polymodal.training.reproducibility import restore_rng_state, rng_state, seed_everything
from polymodal.training.task_sampling import TaskSampler

__all__ = ["MultitaskPosition", "is_multitask", "train_multitask"]


@dataclass
class MultitaskPosition:
    """Where training is: saved in every checkpoint, so a resumed run continues from here.

    ``sampler`` is the task sampler's state (draws made); ``streams`` each task's
    (pass, batch); ``balancing`` the loss balancer's state.
    """

    step: int = 0
    best_value: float | None = None
    train_seconds: float = 0.0
    samples_seen: int = 0
    sampler: dict[str, Any] = field(default_factory=dict)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    balancing: dict[str, Any] = field(default_factory=dict)


def _head_forward(model: nn.Module) -> Any:
    """``(batch, head) → ModelOutput``: only that head when the model can run heads alone
    (:class:`~polymodal.models.multitask.MultitaskModel`), else every head."""
    if "heads" in inspect.signature(model.forward).parameters:
        return lambda batch, head: model(batch, heads=(head,))
    return lambda batch, head: model(batch)


def train_multitask(config: DictConfig) -> TrainResult:
    # ---- setup: everything that can fail on bad input happens before the run folder exists.
    check_multitask_config(config)
    settings = multitask_settings(config)
    training = settings.training
    data = data_settings(config)
    seed = int(config.get("seed", 0))
    seed_everything(seed)
    device = resolve_device(str(config.get("device", "auto")))
    run, resuming = open_run_folder(config)

    names = task_names(config)
    datasets = build_task_datasets(config, names, DATA_SPLITS)
    train_sets = {name: datasets[name]["train"] for name in names}
    fields = {name: sample_fields(train_sets[name], f"tasks.{name}.data.train") for name in names}
    transforms = build_shared_transforms(config, train_sets, fields, run if resuming else None)
    batch_transforms = components.build_batch_transforms(config)
    specs = build_task_specs(config, fields, train_sets, run if resuming else None)
    meta = fill_multitask_meta(config, transforms, specs)
    check_multitask_config(config)
    model = components.build_model(config).to(device)
    check_heads(model, specs)
    forward = _head_forward(model)
    balancer: LossBalancer = instantiate(
        config.get("loss_balancing") or DEFAULT_LOSS_BALANCING,
        path="loss_balancing",
        task_weights={name: spec.weight for name, spec in specs.items()},
    )
    groups = parameter_groups(model, float(config.optimizer.get("weight_decay", 0.0)))
    if isinstance(balancer, nn.Module):  # learned loss weights train with the model
        balancer.to(device)
        extra = {"lr": balancer.lr} if getattr(balancer, "lr", None) is not None else {}
        groups.append({"params": list(balancer.parameters()), "weight_decay": 0.0, **extra})
    optimizer: torch.optim.Optimizer = instantiate(
        config.optimizer, path="optimizer", params=groups
    )
    sizes = {name: len(train_sets[name]) for name in names}  # type: ignore[arg-type]
    sampler: TaskSampler = instantiate(
        config.get("task_sampling") or DEFAULT_TASK_SAMPLING,
        path="task_sampling",
        sizes=sizes,
        seed=seed,
    )

    augment = components.build_augmentations(config, "augment")
    batch_augment = components.build_augmentations(config, "batch_augment")
    streams = {}
    for name, spec in specs.items():
        prepared = components.prepared(
            train_sets[name], spec.transforms(transforms), spec.task, augment, seed
        )
        loading = spec.data_settings(data)
        keys = field_values(train_sets[name], loading.group_by) if loading.group_by else None
        streams[name] = TaskStream(prepared, loading, task_seed(seed, name), keys)
    eval_loaders = {
        split: {
            name: task_loader(specs[name], datasets[name][split], transforms, data)
            for name in names
            if split in datasets[name]
        }
        for split in ("val", "test")
    }
    batches = sum(stream.batch_count for stream in streams.values())
    steps_per_epoch = settings.steps_per_epoch or math.ceil(batches / training.grad_accumulation)
    total_steps = training.max_steps or training.epochs * steps_per_epoch
    scheduler = warmup_cosine(
        optimizer, total_steps, round(training.warmup_fraction * total_steps), training.min_lr_ratio
    )

    run.root.mkdir(parents=True, exist_ok=True)
    run.save_config(config)
    save_multitask_state(run, transforms, specs)
    log = MetricsLog(run.metrics)
    position = MultitaskPosition()
    if resuming:
        folder = checkpoint_path(run.root, "last")
        load_weights(model, folder)
        state = load_training_state(folder)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state["rng"])
        position = MultitaskPosition(**state["position"])
        if set(position.streams) != set(streams):
            raise CheckpointError(
                f"{folder}: the checkpoint's tasks {sorted(position.streams)} differ from the "
                f"config's {sorted(streams)}; tasks cannot change when resuming"
            )
        sampler.load_state_dict(position.sampler)
        balancer.load_state_dict(position.balancing)
        for name, stream in streams.items():
            stream.load_state_dict(position.streams[name])
        print(f"resuming {run.root} from step {position.step}")
    log.truncate_after(position.step if resuming else -1)
    shares = sampler.shares()
    print(f"run folder: {run.root}")
    for name, spec in specs.items():
        splits = ", ".join(f"{s} {len(d)}" for s, d in datasets[name].items())  # type: ignore[arg-type]
        print(
            f"task {name}: head {spec.task.head!r}, weight {spec.weight:g}, "
            f"sampled {shares[name]:.1%}; data {splits}"
        )
    print(f"meta {meta}")
    print(
        f"model: {sum(p.numel() for p in model.parameters()):,} parameters on {device}; "
        f"{total_steps} steps ({steps_per_epoch} per epoch), "
        f"{training.grad_accumulation} batch(es) of {data.batch_size} per step"
    )

    def save(links: tuple[str, ...]) -> None:
        position.sampler = sampler.state_dict()
        position.streams = {name: stream.state_dict() for name, stream in streams.items()}
        position.balancing = dict(balancer.state_dict())
        training_state = {
            "position": dataclasses.asdict(position),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(),
        }
        save_checkpoint(run.checkpoints, position.step, model, training_state, links)

    # ---- loop: each step, `grad_accumulation` batches from sampled tasks, then one update
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    progress = Progress(total_steps, position.step, training.log_every)
    window: dict[str, list[float]] = defaultdict(list)
    combined_losses: list[float] = []
    while position.step < total_steps and not training.out_of_time(position.train_seconds):
        started, samples = time.perf_counter(), 0
        step_losses: dict[str, list[torch.Tensor]] = defaultdict(list)
        for micro_batch in range(training.grad_accumulation):
            name = sampler.next()
            spec = specs[name]
            batch: Batch = streams[name].next_batch().to(device)
            batch = apply_batch_transforms(batch, spec.transforms(batch_transforms))
            for augmentation in batch_augment:
                batch = augmentation(
                    batch, seeded_generator(seed, position.step, micro_batch, device=device)
                )
            with autocast(device, training.precision):
                output: ModelOutput = forward(batch, spec.task.head)
            loss = spec.task.loss(output, batch)
            step_losses[name].append(loss)
            window[name].append(loss.item())
            samples += batch.size
        task_losses = {name: torch.stack(losses).mean() for name, losses in step_losses.items()}
        combined_losses.append(balancer.backward(task_losses, parameters).item())
        if training.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(parameters, training.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        scheduler.step()
        position.step += 1
        elapsed = time.perf_counter() - started
        position.train_seconds += elapsed
        position.samples_seen += samples
        epoch = (position.step - 1) // steps_per_epoch
        rate, lr = samples / max(elapsed, 1e-9), float(scheduler.get_last_lr()[0])
        mean_loss = sum(combined_losses) / len(combined_losses)
        progress.update(position.step, epoch, mean_loss, lr, rate)
        last_step = position.step == total_steps or training.out_of_time(position.train_seconds)
        if position.step % training.log_every == 0 or last_step:
            log.append(
                {
                    "step": position.step,
                    "epoch": epoch,
                    "split": "train",
                    "loss": mean_loss,
                    "lr": lr,
                    "samples_per_s": rate,
                    **{f"{n}/loss": sum(v) / len(v) for n, v in window.items()},
                    **{f"{n}/batches": len(v) for n, v in window.items()},
                    **balancer.log(),
                }
            )
            window.clear()
            combined_losses.clear()

        links: tuple[str, ...] = ()
        due = (
            position.step % training.eval_every == 0
            if training.eval_every
            else position.step % steps_per_epoch == 0
        )
        if last_step or due:
            links = ("last", "best")  # without validation, the newest is the best
            if eval_loaders["val"]:
                evaluations = {
                    name: evaluate_task(
                        model, specs[name], loader, device, batch_transforms, training.precision
                    )
                    for name, loader in eval_loaders["val"].items()
                }
                val_metrics = prefixed(evaluations)
                value = selection_value(val_metrics, settings.best_metric)
                log.append(
                    {
                        "step": position.step,
                        "epoch": epoch,
                        "split": "val",
                        **val_metrics,
                        "selection": value,
                    }
                )
                progress.write(
                    f"step {position.step}: val "
                    + ", ".join(f"{k} {v:.4f}" for k, v in val_metrics.items() if k.count("/") == 1)
                    + f"; selection {value:.4f}"
                )
                better = position.best_value is None or (
                    value > position.best_value
                    if training.best_mode == "max"
                    else value < position.best_value
                )
                if better:
                    position.best_value = value
                else:
                    links = ("last",)
        elif training.checkpoint_every and position.step % training.checkpoint_every == 0:
            links = ("last",)
        if links:
            save(links)
    progress.close()
    print_time_limit_stop(training.max_minutes, position.step, total_steps, position.train_seconds)

    # ---- final evaluation of every task, with the best (or last) weights
    final = checkpoint_path(run.root, training.final_checkpoint)
    load_weights(model, final)
    final_step = int(load_training_state(final)["position"]["step"])
    metrics: dict[str, dict[str, float]] = {}
    for split, loaders in eval_loaders.items():
        if not loaders:
            continue
        evaluations = {}
        for name, loader in loaders.items():
            result = evaluate_task(
                model, specs[name], loader, device, batch_transforms, training.precision
            )
            write_task_evaluation(run, name, split, result, training.final_checkpoint, final_step)
            evaluations[name] = result
        metrics[split] = prefixed(evaluations)
        log.append({"step": position.step, "split": f"final/{split}", **metrics[split]})
    rate = position.samples_seen / max(position.train_seconds, 1e-9)
    print_multitask_summary(
        run.root,
        metrics,
        names,
        position.train_seconds,
        rate,
        training.final_checkpoint,
        final_step,
    )
    return TrainResult(run.root, metrics, position.train_seconds, rate)
