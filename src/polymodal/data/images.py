"""Reading image files with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from polymodal.errors import DataError


def load_image(path: str | Path) -> torch.Tensor:
    """Decodes an image file to RGB.

    Returns:
        (3, H, W) uint8 tensor.

    Raises:
        DataError: the file is missing, unreadable, truncated or not an image.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"image file not found: {path}")
    try:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise DataError(f"cannot decode image {path}: {error}") from None
    # numpy's transpose copy is far cheaper than torch's permute().contiguous() on small
    # images when the machine is busy (torch may start its thread pool for it).
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))
