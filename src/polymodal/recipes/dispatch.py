"""Choosing the recipe a config or run folder needs: one task (``task:``) or several
(``tasks:``)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from polymodal.config import validate
from polymodal.errors import ConfigError
from polymodal.recipes.evaluate import Evaluation, evaluate_run
from polymodal.recipes.multitask import train_multitask
from polymodal.recipes.multitask_config import is_multitask, multitask_problems
from polymodal.recipes.multitask_eval import (
    MultitaskPredictor,
    evaluate_multitask_run,
    run_task_names,
)
from polymodal.recipes.predict import Predictor
from polymodal.recipes.settings import settings_problems
from polymodal.recipes.train import RUNTIME_ARGS, TrainResult, train


def config_problems(config: DictConfig) -> list[str]:
    """Every problem in a run config, checked by the rules of the recipe it is for."""
    if is_multitask(config):
        return multitask_problems(config)
    return settings_problems(config) + validate(config, RUNTIME_ARGS)


def run_training(config: DictConfig) -> TrainResult:
    """Trains with the single-task or the multi-task recipe, as the config says."""
    return train_multitask(config) if is_multitask(config) else train(config)


def _task_choice(run_dir: str | Path, task: str | None) -> str | None:
    """``task`` checked against the run: required for a multi-task run, refused otherwise."""
    names = run_task_names(run_dir)
    if names is None:
        if task is not None:
            raise ConfigError(f"{run_dir} is a single-task run: leave out --task {task}")
        return None
    if task is None or task not in names:
        given = f"--task {task!r} is not one of them" if task else "choose one with --task"
        raise ConfigError(f"{run_dir} is a multi-task run with tasks {names}: {given}")
    return task


def evaluate_any(
    run_dir: str | Path, split: str, checkpoint: str = "best", task: str | None = None
) -> Evaluation:
    """Evaluates a single-task run, or one task of a multi-task run."""
    chosen = _task_choice(run_dir, task)
    if chosen is None:
        return evaluate_run(run_dir, split, checkpoint)
    return evaluate_multitask_run(run_dir, chosen, split, checkpoint)


def load_predictor(
    run_dir: str | Path, checkpoint: str = "best", task: str | None = None
) -> Predictor | MultitaskPredictor:
    """A predictor for a single-task run, or for one task of a multi-task run."""
    chosen = _task_choice(run_dir, task)
    if chosen is None:
        return Predictor(run_dir, checkpoint)
    return MultitaskPredictor(run_dir, chosen, checkpoint)
