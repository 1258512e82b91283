"""benchmarks/pretraining.py's paired comparison of the two arms over seeds."""

import math
import statistics
from collections.abc import Callable
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def pretraining(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("pretraining")


def test_paired_t_test_by_hand(pretraining: ModuleType) -> None:
    scratch, tuned = [54.55, 53.50, 53.00], [56.65, 55.25, 56.20]
    deltas = [2.10, 1.75, 3.20]
    t = statistics.mean(deltas) / (statistics.stdev(deltas) / math.sqrt(3))
    # Two degrees of freedom: the t distribution's two-sided tail is 1 − t / sqrt(2 + t²).
    p_value = 1 - t / math.sqrt(2 + t * t)
    # t(0.975, 2) = 4.302653 (standard tables).
    half_width = 4.302653 * statistics.stdev(deltas) / math.sqrt(3)
    low, high = statistics.mean(deltas) - half_width, statistics.mean(deltas) + half_width
    assert pretraining.paired_summary(scratch, tuned) == (
        f"Paired over the 3 seeds: pre-trained better on 3; mean Δ +2.35, "
        f"95 % CI [{low:+.2f}, {high:+.2f}]; paired t-test p = {p_value:.3g}."
    )


def test_identical_differences_have_no_spread(pretraining: ModuleType) -> None:
    summary = pretraining.paired_summary([50.0, 51.0], [49.0, 50.0])
    assert (
        summary
        == "Paired over the 2 seeds: pre-trained better on 0; mean Δ -1.00, the same on every seed."
    )
