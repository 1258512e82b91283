"""Drawing a scene as a 2-D image (PIL): farther objects first, so nearer ones cover them.

Shapes are drawn as their 2-D outlines — cube: a square turned by its ``rotation``; sphere: a
disc; cylinder: an upright body with an elliptic top — in their CLEVR colour. Metal objects get
a bright highlight and a dark rim, rubber ones are flat, and large objects are twice the size of
small ones, so every attribute a question asks about is visible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw

from polymodal.data.synthetic.scenes import COLORS, pixel_radius

BACKGROUND = (200, 200, 196)


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(c * factor))) for c in color)  # type: ignore[return-value]


def _draw_object(draw: ImageDraw.ImageDraw, obj: dict[str, Any], width: int, height: int) -> None:
    column, row = obj["pixel_coords"][:2]
    radius = pixel_radius(obj["size"], width, height)
    color = COLORS[obj["color"]]
    metal = obj["material"] == "metal"
    outline = _shade(color, 0.45) if metal else None
    if obj["shape"] == "cube":
        angle = math.radians(obj.get("rotation", 0.0) % 90.0)
        corners = [
            (
                column
                + radius * math.cos(angle + k * math.pi / 2 + math.pi / 4) * math.sqrt(2) * 0.8,
                row + radius * math.sin(angle + k * math.pi / 2 + math.pi / 4) * math.sqrt(2) * 0.8,
            )
            for k in range(4)
        ]
        draw.polygon(corners, fill=color, outline=outline)
    elif obj["shape"] == "sphere":
        box = [column - radius, row - radius, column + radius, row + radius]
        draw.ellipse(box, fill=color, outline=outline)
    else:  # cylinder: body, then a lighter elliptic top
        half = radius * 0.8
        top = radius * 0.35
        draw.rectangle([column - half, row - radius + top, column + half, row + radius], fill=color)
        draw.ellipse(
            [column - half, row + radius - 2 * top, column + half, row + radius], fill=color
        )
        draw.ellipse(
            [column - half, row - radius, column + half, row - radius + 2 * top],
            fill=_shade(color, 1.25),
            outline=outline,
        )
    if metal:
        spot = max(1.0, radius * 0.22)
        cx, cy = column - radius * 0.3, row - radius * 0.3
        draw.ellipse([cx - spot, cy - spot, cx + spot, cy + spot], fill=(245, 245, 245))


def render_scene(scene: dict[str, Any], width: int = 128, height: int = 128) -> Image.Image:
    """The scene as an RGB image (``pixel_coords`` must be for this width and height)."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for obj in sorted(scene["objects"], key=lambda o: o["3d_coords"][1]):
        _draw_object(draw, obj, width, height)
    return image


def render_tensor(scene: dict[str, Any], width: int = 128, height: int = 128) -> torch.Tensor:
    """The scene as a (3, H, W) uint8 tensor, like :func:`polymodal.data.images.load_image`."""
    pixels = np.asarray(render_scene(scene, width, height))
    # The channel move is done by numpy: torch's multi-threaded copy of a small tensor is
    # ~100× slower on a busy machine.
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))
