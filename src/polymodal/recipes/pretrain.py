"""Pre-training: the supervised loop of :mod:`polymodal.recipes.train` run on image–text
pairs with a :class:`~polymodal.tasks.pretraining.PretrainingTask`, whose loss is any weighted
combination of ITC, ITM, MLM and captioning LM. The loop (schedule, checkpoints, resume,
evaluation) is the same one; what this recipe adds is checking, before anything runs, that the
config is a pre-training config whose model computes every objective the task weighs."""

from __future__ import annotations

from omegaconf import DictConfig

from polymodal.config import to_plain
from polymodal.errors import ConfigError
from polymodal.models.pretraining import DEFAULT_OBJECTIVES
from polymodal.recipes.train import TrainResult, check_config, train

TASK = "polymodal.tasks.pretraining.PretrainingTask"


def pretraining_problems(config: DictConfig) -> list[str]:
    """What makes ``config`` unfit for pre-training (an empty list when it is fit)."""
    task = config.get("task")
    if task is None or str(task.get("_component_", "")) != TASK:
        return [f"task._component_: pre-training needs {TASK}"]
    weights = to_plain(task.get("weights")) or dict.fromkeys(DEFAULT_OBJECTIVES, 1.0)
    if not isinstance(weights, dict):
        return [f"task.weights: expected objective → weight, got {weights!r}"]
    model = config.get("model")
    objectives = to_plain(model.get("objectives")) if model is not None else None
    computed = set(objectives if objectives is not None else DEFAULT_OBJECTIVES)
    weighed = {name for name, weight in weights.items() if float(weight) != 0.0}
    # ITC embeddings are always computed (ITM draws its negatives from them).
    lacking = sorted(weighed - computed - {"itc"})
    if lacking:
        return [
            f"task.weights weighs {lacking}, but model.objectives {sorted(computed)} lacks them"
        ]
    return []


def pretrain(config: DictConfig) -> TrainResult:
    """Checks the config, then trains; writes a run folder like ``polymodal train``."""
    check_config(config)
    problems = pretraining_problems(config)
    if problems:
        raise ConfigError("not a pre-training config:\n  " + "\n  ".join(problems))
    return train(config)
