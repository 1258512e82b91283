"""A batch augmentation that changes nothing and fails on a chosen call: a crash mid-run."""

from __future__ import annotations

import torch

from polymodal.data.batch import Batch


class CrashAfter:
    """Returns the batch unchanged; raises on call number ``calls + 1``."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.seen = 0

    def __call__(self, batch: Batch, generator: torch.Generator) -> Batch:
        self.seen += 1
        if self.seen > self.calls:
            raise RuntimeError(f"crash at batch {self.seen}")
        return batch
