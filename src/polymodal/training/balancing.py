"""Loss balancing: turning one step's per-task losses into gradients.

A balancer is built from the ``loss_balancing:`` config component; the recipe passes it
``task_weights`` (task name → the ``weight`` configured for the task). Each step, the recipe
calls :meth:`LossBalancer.backward` with the mean loss of every task that had a batch in the
step; the balancer fills the parameters' ``.grad``. Every method first multiplies each task's
loss by its configured weight.

- :class:`StaticWeights` — Σ_t w_t·L_t.
- :class:`UncertaintyWeighting` — learned per-task log-variances s_t (Kendall, Gal & Cipolla,
  "Multi-Task Learning Using Uncertainty to Weigh Losses", CVPR 2018).
- :class:`PCGrad` — per-task gradients with conflicting components projected away (Yu et al.,
  "Gradient Surgery for Multi-Task Learning", NeurIPS 2020). GradNorm (Chen et al., ICML 2018)
  is the other gradient-based option the literature offers; PCGrad is provided because it
  needs no extra hyper-parameter or learned weights.

PCGrad needs each task's gradient within one step, so a step must hold batches of two or more
tasks: the recipe gives a step ``training.grad_accumulation`` micro-batches, each from a task
drawn by the task sampler (round-robin with ``grad_accumulation`` = the number of tasks gives
one batch of every task per step). A step whose micro-batches all come from one task is a
plain gradient step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import torch
from torch import nn

from polymodal.data.pipeline import seeded_generator
from polymodal.errors import ConfigError


class LossBalancer(Protocol):
    """Combines the step's task losses into gradients."""

    def backward(
        self, losses: Mapping[str, torch.Tensor], parameters: Sequence[nn.Parameter]
    ) -> torch.Tensor:
        """Fills ``.grad`` of ``parameters`` from ``losses`` (task → scalar); returns the
        combined loss, detached, for logging."""

    def log(self) -> dict[str, float]:
        """Values worth logging after a step (learned weights, conflicts...)."""

    def state_dict(self) -> Mapping[str, Any]: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> Any: ...


def _check_weights(task_weights: Mapping[str, float]) -> dict[str, float]:
    weights = {str(name): float(weight) for name, weight in task_weights.items()}
    bad = {name: w for name, w in weights.items() if not w >= 0}
    if not weights or bad:
        raise ConfigError(f"tasks.<name>.weight must be ≥ 0; got {bad or 'no tasks'}")
    return weights


def _weighted(
    losses: Mapping[str, torch.Tensor], weights: Mapping[str, float]
) -> dict[str, torch.Tensor]:
    unknown = sorted(set(losses) - set(weights))
    if unknown:
        raise KeyError(f"losses for unknown task(s) {unknown}; tasks: {sorted(weights)}")
    return {name: weights[name] * loss.float() for name, loss in losses.items()}


class StaticWeights:
    """L = Σ_t w_t·L_t with the tasks' configured weights.

    Args:
        task_weights: task name → weight (given by the recipe from ``tasks.<name>.weight``).
    """

    def __init__(self, task_weights: Mapping[str, float]) -> None:
        self.weights = _check_weights(task_weights)

    def backward(
        self, losses: Mapping[str, torch.Tensor], parameters: Sequence[nn.Parameter]
    ) -> torch.Tensor:
        total = torch.stack(list(_weighted(losses, self.weights).values())).sum()
        total.backward()
        return total.detach()

    def log(self) -> dict[str, float]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        pass


class UncertaintyWeighting(nn.Module):
    """Learned homoscedastic-uncertainty weights (Kendall et al. 2018).

    Each task t has a learned log-variance s_t = log σ_t²; the combined loss is

        L = Σ_t exp(−s_t)·w_t·L_t + s_t / 2,

    the paper's classification form (its eq. 10: L/σ² + log σ). A noisy or hard task raises
    its σ and so its own weight falls; the s_t/2 term keeps σ from growing without bound.
    At its optimum exp(s_t) = 2·w_t·L_t. The log-variances are parameters: the recipe adds
    them to the optimizer (without weight decay) and saves them in the training state.

    Args:
        task_weights: task name → weight (given by the recipe).
        initial_log_variance: s_t at the start (0: every task starts with weight 1).
        lr: learning rate of the log-variances (``None``: the optimizer's).
    """

    def __init__(
        self,
        task_weights: Mapping[str, float],
        initial_log_variance: float = 0.0,
        lr: float | None = None,
    ) -> None:
        super().__init__()
        self.weights = _check_weights(task_weights)
        self.tasks = list(self.weights)
        self.lr = lr
        self.log_variances = nn.Parameter(
            torch.full((len(self.tasks),), float(initial_log_variance))
        )

    def combine(self, losses: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The combined loss of the tasks present in ``losses``."""
        terms = []
        for name, loss in _weighted(losses, self.weights).items():
            log_variance = self.log_variances[self.tasks.index(name)]
            terms.append(torch.exp(-log_variance) * loss + 0.5 * log_variance)
        return torch.stack(terms).sum()

    def backward(
        self, losses: Mapping[str, torch.Tensor], parameters: Sequence[nn.Parameter]
    ) -> torch.Tensor:
        total = self.combine(losses)
        total.backward()
        return total.detach()

    def log(self) -> dict[str, float]:
        values = self.log_variances.detach().float().tolist()
        logged = {f"log_variance/{t}": s for t, s in zip(self.tasks, values, strict=True)}
        for task, log_variance in zip(self.tasks, values, strict=True):
            logged[f"weight/{task}"] = math.exp(-log_variance)
        return logged


def pcgrad_project(gradients: Sequence[torch.Tensor], generator: torch.Generator) -> torch.Tensor:
    """Sums per-task gradients after PCGrad's projection (Yu et al. 2020, Algorithm 1).

    Each task's gradient g_i is projected, against every other task's original gradient g_j in
    a random order, onto the normal plane of g_j whenever they conflict (g_i·g_j < 0):
    g_i ← g_i − (g_i·g_j / ‖g_j‖²)·g_j.

    Args:
        gradients: T flat gradients, each (P,).
        generator: draws the order of the other tasks for each task.

    Returns:
        (P,) the sum of the projected gradients.
    """
    originals = [g.float() for g in gradients]
    total = torch.zeros_like(originals[0])
    for i, gradient in enumerate(originals):
        projected = gradient.clone()
        others = [j for j in range(len(originals)) if j != i]
        for k in torch.randperm(len(others), generator=generator).tolist():
            other = originals[others[k]]
            dot = torch.dot(projected, other)
            if dot < 0:
                projected -= dot / other.square().sum().clamp(min=1e-20) * other
        total += projected
    return total


class PCGrad:
    """Projecting conflicting gradients (Yu et al. 2020).

    Each task's (weighted) loss is differentiated separately. On the parameters that two or
    more of the step's tasks reach — the shared encoders and fusion — the per-task gradients
    are projected with :func:`pcgrad_project` and summed; the parameters only one task reaches
    (its head) get that task's gradient unchanged, as in the paper, which applies the
    projection to shared parameters. This costs one backward pass per task in the step.

    Args:
        task_weights: task name → weight (given by the recipe).
        seed: seeds the random projection order; with the step count, so runs are repeatable
            and resume exactly.
    """

    def __init__(self, task_weights: Mapping[str, float], seed: int = 0) -> None:
        self.weights = _check_weights(task_weights)
        self.seed = seed
        self.calls = 0
        self.conflicts = 0.0

    def backward(
        self, losses: Mapping[str, torch.Tensor], parameters: Sequence[nn.Parameter]
    ) -> torch.Tensor:
        weighted = _weighted(losses, self.weights)
        generator = seeded_generator(self.seed, self.calls)
        self.calls += 1
        total = torch.stack(list(weighted.values())).sum()
        if len(weighted) < 2:
            total.backward()
            self.conflicts = 0.0
            return total.detach()
        params = [p for p in parameters if p.requires_grad]
        per_task = [
            torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            for loss in weighted.values()
        ]
        reached = [[g[i] for g in per_task if g[i] is not None] for i in range(len(params))]
        shared = [i for i, parts in enumerate(reached) if len(parts) >= 2]
        flat = [_flatten([g[i] for i in shared], [params[i] for i in shared]) for g in per_task]
        self.conflicts = _conflict_fraction(flat)
        projected = pcgrad_project(flat, generator).split([params[i].numel() for i in shared])
        gradients = dict(zip(shared, projected, strict=True))
        for i, param in enumerate(params):
            if i in gradients:
                gradient = gradients[i].view_as(param).to(param.dtype)
            elif reached[i]:
                gradient = reached[i][0]
            else:
                continue
            param.grad = gradient if param.grad is None else param.grad + gradient
        return total.detach()

    def log(self) -> dict[str, float]:
        return {"pcgrad/conflicts": self.conflicts}

    def state_dict(self) -> dict[str, Any]:
        return {"calls": self.calls}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.calls = int(state["calls"])


def _flatten(
    gradients: Sequence[torch.Tensor | None], parameters: Sequence[nn.Parameter]
) -> torch.Tensor:
    """One task's gradients over ``parameters`` as one (P,) vector (zeros where it has none)."""
    if not parameters:
        return torch.zeros(0)
    return torch.cat(
        [
            (g if g is not None else p.new_zeros(p.shape)).flatten().float()
            for g, p in zip(gradients, parameters, strict=True)
        ]
    )


def _conflict_fraction(gradients: Sequence[torch.Tensor]) -> float:
    """The fraction of task pairs whose gradients conflict (negative dot product)."""
    pairs = [(i, j) for i in range(len(gradients)) for j in range(i + 1, len(gradients))]
    if not pairs:
        return 0.0
    conflicting = sum(float(torch.dot(gradients[i], gradients[j]) < 0) for i, j in pairs)
    return conflicting / len(pairs)
