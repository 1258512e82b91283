"""Turning batch inputs (tensors, arrays, lists) into numpy arrays."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_numpy(values: Any, dtype: Any = None) -> np.ndarray:
    """A numpy copy of a tensor (any device, detached), array or sequence."""
    if hasattr(values, "detach"):
        values = values.detach().to("cpu")
        if str(values.dtype) == "torch.bfloat16":
            # numpy has no bfloat16.
            values = values.float()
        values = values.numpy()
    return np.array(values, dtype=dtype, copy=True)
