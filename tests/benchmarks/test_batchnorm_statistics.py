"""benchmarks/batchnorm_statistics.py: running statistics replaced by the data's average."""

from collections.abc import Callable
from types import ModuleType

import pytest
import torch
from torch import nn


@pytest.fixture(scope="module")
def batchnorm_statistics(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("batchnorm_statistics")


class _Probe(nn.Module):
    """A batch norm behind a dropout, reading ``batch["x"]``: (B, C)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.norm = nn.BatchNorm1d(3)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.norm(self.dropout(batch["x"]))


def test_statistics_become_the_average_over_batches(batchnorm_statistics: ModuleType) -> None:
    torch.manual_seed(0)
    model = _Probe()
    model.norm.running_mean.fill_(5.0)  # stale
    batches = [{"x": torch.randn(8, 3) * 2 + 1} for _ in range(4)]
    moved = batchnorm_statistics.recompute(model, batches)
    # Batch norm averages the per-batch means, and the per-batch unbiased variances; the
    # dropout stays in eval mode, so the inputs arrive unchanged.
    means = torch.stack([b["x"].mean(0) for b in batches])
    variances = torch.stack([b["x"].var(0) for b in batches])
    torch.testing.assert_close(model.norm.running_mean, means.mean(0))
    torch.testing.assert_close(model.norm.running_var, variances.mean(0))
    assert not model.training and not model.norm.training
    expected = float((means.mean(0) - 5.0).abs().max() / 5.0)
    assert moved == pytest.approx(expected)


def test_a_model_without_batch_norm_is_refused(batchnorm_statistics: ModuleType) -> None:
    with pytest.raises(SystemExit, match="no batch-norm layer"):
        batchnorm_statistics.recompute(nn.Linear(2, 2), [])
