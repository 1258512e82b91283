import itertools
import math
import random

import numpy as np
import pytest
import torch
from torch import nn

from polymodal.training.optim import parameter_groups, warmup_cosine
from polymodal.training.reproducibility import restore_rng_state, rng_state
from polymodal.training.sampling import ResumableSampler


def test_no_weight_decay_on_biases_norms_and_embeddings():
    model = nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 4), nn.LayerNorm(4))
    decay, no_decay = parameter_groups(model, 0.1)
    assert decay["params"] == [model[1].weight] and decay["weight_decay"] == 0.1
    assert no_decay["weight_decay"] == 0.0 and len(no_decay["params"]) == 4


def test_warmup_cosine_schedule():
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = warmup_cosine(optimizer, total_steps=10, warmup_steps=2, min_lr_ratio=0.1)
    rates = []
    for _ in range(10):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    assert rates[0] == pytest.approx(0.5) and rates[1] == pytest.approx(1.0)
    assert rates[2] == pytest.approx(1.0)
    middle = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 3 / 8))
    assert rates[5] == pytest.approx(middle)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.1)


def test_sampler_resumes_mid_epoch_and_reshuffles_per_epoch():
    sampler = ResumableSampler(10, seed=3)
    sampler.set_position(epoch=1, start=0)
    full = list(sampler)
    assert sorted(full) == list(range(10))
    sampler.set_position(epoch=1, start=4)
    assert list(sampler) == full[4:] and len(sampler) == 6
    sampler.set_position(epoch=2, start=0)
    assert list(sampler) != full


def test_rng_state_round_trip(tmp_path):
    state = rng_state()
    torch.save(state, tmp_path / "s.pt")
    expected = (torch.rand(3), np.random.rand(), random.random())
    restore_rng_state(torch.load(tmp_path / "s.pt", weights_only=True))
    torch.testing.assert_close(torch.rand(3), expected[0])
    assert np.random.rand() == expected[1] and random.random() == expected[2]


def test_grouped_sampler_keeps_groups_together():
    groups = ["a", "b", "a", "c", "b", "a"]
    sampler = ResumableSampler(6, seed=0, groups=groups)
    order = list(sampler)
    assert sorted(order) == list(range(6))
    keys = [groups[i] for i in order]
    runs = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert sorted(runs) == ["a", "b", "c"]  # each group is one contiguous run


def test_group_size_cuts_groups_into_short_runs():
    groups = [i // 6 for i in range(600)]  # 100 groups of six
    sampler = ResumableSampler(600, seed=1, groups=groups, group_size=2)
    order = list(sampler)
    assert sorted(order) == list(range(600))
    keys = [groups[i] for i in order]
    run_lengths = [len(list(run)) for _, run in itertools.groupby(keys)]
    # 300 runs of two, shuffled: only the rare neighbours from one group merge.
    assert len(run_lengths) > 280 and set(run_lengths) <= {2, 4, 6}
    whole = ResumableSampler(600, seed=1, groups=groups).order()
    assert [len(list(run)) for _, run in itertools.groupby(groups[i] for i in whole)] == [6] * 100
    sampler.epoch = 1
    assert sampler.order() != order  # a new cut every epoch


def test_group_size_needs_groups():
    with pytest.raises(ValueError, match="group_size"):
        ResumableSampler(4, seed=0, group_size=2)
