"""Loss balancers: static weights, learned uncertainty weights, PCGrad's projection."""

import math

import pytest
import torch
from torch import nn

from polymodal.errors import ConfigError
from polymodal.training.balancing import (
    PCGrad,
    StaticWeights,
    UncertaintyWeighting,
    pcgrad_project,
)


def test_static_weights_scale_each_task_loss():
    parameter = nn.Parameter(torch.tensor(1.0))
    balancer = StaticWeights({"a": 2.0, "b": 0.5})
    total = balancer.backward({"a": parameter * 3, "b": parameter * 4}, [parameter])
    assert total.item() == pytest.approx(2 * 3 + 0.5 * 4)
    assert parameter.grad.item() == pytest.approx(2 * 3 + 0.5 * 4)


def test_uncertainty_weighting_formula():
    balancer = UncertaintyWeighting({"a": 1.0, "b": 2.0}, initial_log_variance=0.5)
    loss_a, loss_b = torch.tensor(3.0), torch.tensor(1.5)
    value = balancer.combine({"a": loss_a, "b": loss_b})
    expected = math.exp(-0.5) * 3.0 + 0.25 + math.exp(-0.5) * 2.0 * 1.5 + 0.25
    assert value.item() == pytest.approx(expected)
    value.backward()
    # d/ds (exp(-s)·L + s/2) = -exp(-s)·L + 1/2
    assert balancer.log_variances.grad.tolist() == pytest.approx(
        [-math.exp(-0.5) * 3.0 + 0.5, -math.exp(-0.5) * 3.0 + 0.5]
    )


def test_uncertainty_weights_are_learned():
    # With fixed task losses the log-variances move to their optimum exp(s) = 2·L: the task
    # with the larger loss gets the smaller weight.
    balancer = UncertaintyWeighting({"hard": 1.0, "easy": 1.0})
    optimizer = torch.optim.SGD(balancer.parameters(), lr=1.0)
    losses = {"hard": torch.tensor(4.0), "easy": torch.tensor(0.25)}
    for _ in range(200):
        optimizer.zero_grad()
        balancer.backward(losses, [])
        optimizer.step()
    log = balancer.log()
    assert math.exp(log["log_variance/hard"]) == pytest.approx(8.0, rel=0.02)
    assert math.exp(log["log_variance/easy"]) == pytest.approx(0.5, rel=0.02)
    assert log["weight/hard"] == pytest.approx(1 / 8, rel=0.02)


def test_pcgrad_projects_conflicting_gradients_only():
    generator = torch.Generator().manual_seed(0)
    # g1·g2 = -1 < 0: g1 → g1 + ½·g2 = (0.5, 0.5); g2 → g2 + g1 = (0, 1).
    conflicting = pcgrad_project([torch.tensor([1.0, 0.0]), torch.tensor([-1.0, 1.0])], generator)
    assert conflicting.tolist() == pytest.approx([0.5, 1.5])
    agreeing = pcgrad_project([torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])], generator)
    assert agreeing.tolist() == pytest.approx([2.0, 1.0])


def test_pcgrad_projects_shared_parameters_and_leaves_heads_alone():
    torch.manual_seed(0)
    shared = nn.Linear(3, 2)
    head_a, head_b = nn.Linear(2, 1), nn.Linear(2, 1)
    inputs = torch.randn(4, 3)
    features = shared(inputs)
    losses = {"a": head_a(features).mean(), "b": -head_b(features).square().mean()}
    parameters = [*shared.parameters(), *head_a.parameters(), *head_b.parameters()]

    per_task = [
        torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
        for loss in losses.values()
    ]
    balancer = PCGrad({"a": 1.0, "b": 1.0}, seed=0)
    balancer.backward(losses, parameters)

    def flat(task):
        return torch.cat([per_task[task][i].flatten() for i in range(2)])

    expected_shared = pcgrad_project([flat(0), flat(1)], torch.Generator().manual_seed(0))
    got_shared = torch.cat([shared.weight.grad.flatten(), shared.bias.grad.flatten()])
    # The random order of "the other tasks" does not matter with two tasks.
    assert torch.allclose(got_shared, expected_shared, atol=1e-6)
    assert torch.allclose(head_a.weight.grad, per_task[0][2])
    assert torch.allclose(head_b.weight.grad, per_task[1][4])
    conflict = float(torch.dot(flat(0), flat(1)) < 0)
    assert balancer.log() == {"pcgrad/conflicts": conflict}
    assert balancer.state_dict() == {"calls": 1}


def test_pcgrad_with_one_task_is_a_plain_step():
    parameter = nn.Parameter(torch.tensor([1.0, 2.0]))
    PCGrad({"a": 3.0}).backward({"a": parameter.sum()}, [parameter])
    assert parameter.grad.tolist() == [3.0, 3.0]


def test_negative_weights_are_rejected():
    with pytest.raises(ConfigError, match="weight"):
        StaticWeights({"a": -1.0})
