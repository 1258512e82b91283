"""What every metric offers, and how metrics are combined across processes.

A metric accumulates with ``update(...)`` batch by batch, reports ``compute() -> dict[str,
float]`` and starts over with ``reset()``. For more than one process, ``state()`` returns a
picklable summary of what was accumulated and ``merge(state)`` adds another process's summary;
:func:`sync` does the exchange with ``torch.distributed`` when a process group is running.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Metric(Protocol):
    """The interface shared by every metric in :mod:`polymodal.metrics`."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Adds one batch."""

    def compute(self) -> dict[str, float]:
        """The metric's values over everything added since the last reset."""

    def reset(self) -> None:
        """Forgets everything added."""

    def state(self) -> dict[str, Any]:
        """A picklable summary of what was added, for :meth:`merge` in another process."""

    def merge(self, state: dict[str, Any]) -> None:
        """Adds a summary returned by another instance's :meth:`state`."""


def sync(metric: Metric, group: Any = None) -> None:
    """Makes ``metric`` hold what every process in ``group`` accumulated.

    Does nothing unless ``torch.distributed`` is initialised. Every process must call it (it
    is a collective); afterwards each process's ``compute()`` covers all processes' data.

    Args:
        metric: the metric to combine, in place.
        group: the process group (default: the whole world).
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return
    states: list[Any] = [None] * dist.get_world_size(group)
    dist.all_gather_object(states, metric.state(), group=group)
    metric.reset()
    for state in states:
        metric.merge(state)
