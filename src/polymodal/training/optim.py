"""Optimizer parameter groups and the learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

_NO_DECAY_TYPES = (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.Embedding)


def parameter_groups(
    model: nn.Module,
    weight_decay: float,
    lr: float | None = None,
    lr_scale: Callable[[str], float] | None = None,
    include: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """Weights that decay, and biases, norms and embeddings that don't; optionally split
    further by learning rate.

    Decaying a norm's scale or a bias pulls it towards zero for no regularising benefit.

    Args:
        model: the model.
        weight_decay: the decaying group's weight decay.
        lr: the base learning rate; with ``lr_scale``, each group gets ``lr × scale``
            (``None``: groups carry no ``lr`` and the optimizer's own applies).
        lr_scale: parameter name → learning-rate multiplier (fine-tuning: encoder rates,
            layer-wise decay).
        include: parameter name → whether it goes to the optimizer at all (default: those
            with ``requires_grad``).
    """
    groups: dict[tuple[float, bool], list[nn.Parameter]] = {}
    seen: set[int] = set()  # a parameter shared by two modules goes in once
    for module_name, module in model.named_modules():
        for name, parameter in module.named_parameters(recurse=False):
            full_name = f"{module_name}.{name}" if module_name else name
            wanted = include(full_name) if include is not None else parameter.requires_grad
            if not wanted or id(parameter) in seen:
                continue
            seen.add(id(parameter))
            decays = not (
                isinstance(module, _NO_DECAY_TYPES) or name.endswith("bias") or parameter.ndim < 2
            )
            scale = lr_scale(full_name) if lr_scale is not None and lr is not None else 1.0
            groups.setdefault((scale, decays), []).append(parameter)
    if not groups:
        groups[(1.0, True)] = []
    result = []
    for (scale, decays), parameters in sorted(
        groups.items(), key=lambda item: (-item[0][0], not item[0][1])
    ):
        group: dict[str, Any] = {
            "params": parameters,
            "weight_decay": weight_decay if decays else 0.0,
        }
        if lr is not None and lr_scale is not None:
            group["lr"] = lr * scale
        result.append(group)
    return result


def warmup_cosine(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int, min_lr_ratio: float
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up from 0 over ``warmup_steps``, then cosine decay to ``min_lr_ratio`` × lr."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return min_lr_ratio + (1.0 - min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
