"""Task samplers draw the configured proportions and continue their sequence exactly."""

from collections import Counter

import pytest

from polymodal.errors import ConfigError
from polymodal.training.task_sampling import (
    RoundRobin,
    fixed_ratios,
    proportional,
    temperature,
)

SIZES = {"vqa": 900, "shape": 90, "color": 10}
DRAWS = 40_000


def shares(sampler, draws=DRAWS):
    counts = Counter(sampler.next() for _ in range(draws))
    return {name: counts[name] / draws for name in SIZES}


def assert_close(observed, expected):
    # 40,000 draws: the standard error of a share is at most 0.0025; allow 4 of them.
    for name, share in expected.items():
        assert observed[name] == pytest.approx(share, abs=0.01), (name, observed, expected)


def test_round_robin_cycles_through_the_tasks_in_config_order():
    sampler = RoundRobin(SIZES, seed=3)
    assert [sampler.next() for _ in range(7)] == [
        "vqa",
        "shape",
        "color",
        "vqa",
        "shape",
        "color",
        "vqa",
    ]


def test_proportional_follows_the_dataset_sizes():
    assert_close(shares(proportional(SIZES, seed=0)), {"vqa": 0.9, "shape": 0.09, "color": 0.01})


def test_temperature_flattens_the_sizes():
    # p ∝ n^(1/2): √900 = 30, √90 ≈ 9.487, √10 ≈ 3.162 → sum 42.649
    expected = {"vqa": 30 / 42.649, "shape": 9.487 / 42.649, "color": 3.162 / 42.649}
    assert_close(shares(temperature(SIZES, seed=0, temperature=2.0)), expected)
    # A very high temperature is close to uniform.
    hot = temperature(SIZES, seed=1, temperature=1000.0).shares()
    assert all(share == pytest.approx(1 / 3, abs=0.01) for share in hot.values())


def test_fixed_ratios_ignore_the_sizes():
    sampler = fixed_ratios(SIZES, seed=0, ratios={"vqa": 2, "shape": 1, "color": 1})
    assert_close(shares(sampler), {"vqa": 0.5, "shape": 0.25, "color": 0.25})


def test_the_sequence_depends_on_the_seed_only():
    sampler = proportional(SIZES, seed=5)
    first = [sampler.next() for _ in range(200)]
    again, other = proportional(SIZES, seed=5), proportional(SIZES, seed=6)
    # Draw n is a function of (seed, n): asked in any order, the same tasks come out.
    assert [again.task_at(n) for n in range(199, -1, -1)] == first[::-1]
    assert [other.next() for _ in range(200)] != first


def test_a_restored_sampler_continues_the_exact_sequence():
    # Across a block boundary (4,096 draws) too.
    whole = temperature(SIZES, seed=7)
    expected = [whole.next() for _ in range(5_000)]
    resumed = temperature(SIZES, seed=7)
    for _ in range(4_000):
        resumed.next()
    state = resumed.state_dict()
    fresh = temperature(SIZES, seed=7)
    fresh.load_state_dict(state)
    assert [fresh.next() for _ in range(1_000)] == expected[4_000:]


def test_bad_settings_name_what_is_wrong():
    with pytest.raises(ConfigError, match=r"missing \['color'\]"):
        fixed_ratios(SIZES, ratios={"vqa": 1, "shape": 1})
    with pytest.raises(ConfigError, match="unknown"):
        fixed_ratios(SIZES, ratios={"vqa": 1, "shape": 1, "color": 1, "caption": 1})
    with pytest.raises(ConfigError, match="temperature must be > 0"):
        temperature(SIZES, temperature=0.0)
    with pytest.raises(ConfigError, match="empty"):
        proportional({"vqa": 10, "shape": 0})
