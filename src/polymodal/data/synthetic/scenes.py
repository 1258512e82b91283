"""Random CLEVR-style scenes, in the CLEVR scene JSON format.

A scene is what ``CLEVR_<split>_scenes.json`` holds per image::

    {"split", "image_index", "image_filename",
     "objects": [{"shape", "color", "size", "material", "3d_coords": [x, y, z],
                  "pixel_coords": [column, row, depth], "rotation"}],
     "relationships": {"left": [[j, ...] per object], "right", "front", "behind"},
     "directions": {"left": [-1, 0, 0], ...}}

``relationships[r][i]`` lists the objects that are ``r`` of object ``i`` (CLEVR's
convention). The world is a 2-D ground plane seen from above-front: x grows to the right, y
towards the viewer (down the image), so "behind" is up the image. Objects keep a margin along
both axes, so every left/right and front/behind relation between two objects is unambiguous.
"""

from __future__ import annotations

import math
import random
from typing import Any

#: CLEVR's colour names and RGB values.
COLORS = {
    "gray": (87, 87, 87),
    "red": (173, 35, 35),
    "blue": (42, 75, 215),
    "green": (29, 105, 20),
    "brown": (129, 74, 25),
    "purple": (129, 38, 192),
    "cyan": (41, 208, 208),
    "yellow": (255, 238, 51),
}
SHAPES = ("cube", "sphere", "cylinder")
#: Size name → radius in world units (CLEVR's values).
SIZES = {"large": 0.7, "small": 0.35}
MATERIALS = ("rubber", "metal")
ATTRIBUTES = ("size", "color", "material", "shape")
VALUES = {"size": tuple(SIZES), "color": tuple(COLORS), "material": MATERIALS, "shape": SHAPES}
RELATIONS = ("left", "right", "front", "behind")
DIRECTIONS = {
    "left": [-1.0, 0.0, 0.0],
    "right": [1.0, 0.0, 0.0],
    "front": [0.0, 1.0, 0.0],
    "behind": [0.0, -1.0, 0.0],
    "above": [0.0, 0.0, 1.0],
    "below": [0.0, 0.0, -1.0],
}
#: The ground plane spans [-EXTENT, EXTENT] in x and y.
EXTENT = 3.0
#: Minimum separation of object centres along each axis (relations stay unambiguous).
AXIS_MARGIN = 0.4
_GAP = 0.1


def to_pixels(x: float, y: float, width: int, height: int) -> tuple[float, float]:
    """World (x, y) → image (column, row)."""
    span = 2 * EXTENT + 1.0
    return (x + EXTENT + 0.5) / span * width, (y + EXTENT + 0.5) / span * height


def pixel_radius(size: str, width: int, height: int) -> float:
    return SIZES[size] / (2 * EXTENT + 1.0) * min(width, height)


def relationships(objects: list[dict[str, Any]]) -> dict[str, list[list[int]]]:
    """CLEVR relationships: for each relation and object i, the objects j that are r of i."""
    related: dict[str, list[list[int]]] = {}
    for relation in RELATIONS:
        direction = DIRECTIONS[relation]
        related[relation] = []
        for i, first in enumerate(objects):
            xi, yi, _ = first["3d_coords"]
            row = []
            for j, second in enumerate(objects):
                xj, yj, _ = second["3d_coords"]
                if j != i and (xj - xi) * direction[0] + (yj - yi) * direction[1] > 0:
                    row.append(j)
            related[relation].append(row)
    return related


def _fits(x: float, y: float, radius: float, placed: list[tuple[float, float, float]]) -> bool:
    for px, py, pr in placed:
        if math.hypot(x - px, y - py) < radius + pr + _GAP:
            return False
        if abs(x - px) < AXIS_MARGIN or abs(y - py) < AXIS_MARGIN:
            return False
    return True


def generate_scene(
    rng: random.Random,
    index: int,
    split: str = "train",
    min_objects: int = 3,
    max_objects: int = 6,
    width: int = 128,
    height: int = 128,
) -> dict[str, Any]:
    """One random scene (see the module docstring for the format).

    Args:
        rng: the random generator (the scene is a function of its state).
        index: the image index (names the file ``CLEVR_<split>_<index:06d>.png``).
        split: the split name written into the scene.
        min_objects: fewest objects.
        max_objects: most objects (at most 8 fit with the margins).
        width: image width in pixels, for ``pixel_coords``.
        height: image height in pixels.
    """
    if not 1 <= min_objects <= max_objects <= 8:
        raise ValueError(
            f"need 1 ≤ min_objects ≤ max_objects ≤ 8, got {min_objects}, {max_objects}"
        )
    count = rng.randint(min_objects, max_objects)
    while True:
        placed: list[tuple[float, float, float]] = []
        objects: list[dict[str, Any]] = []
        for _ in range(count):
            size = rng.choice(tuple(SIZES))
            radius = SIZES[size]
            for _attempt in range(200):
                x = rng.uniform(-EXTENT + radius, EXTENT - radius)
                y = rng.uniform(-EXTENT + radius, EXTENT - radius)
                if _fits(x, y, radius, placed):
                    break
            else:
                break  # no room left: start the scene again
            placed.append((x, y, radius))
            column, row = to_pixels(x, y, width, height)
            objects.append(
                {
                    "shape": rng.choice(SHAPES),
                    "color": rng.choice(tuple(COLORS)),
                    "size": size,
                    "material": rng.choice(MATERIALS),
                    "3d_coords": [round(x, 4), round(y, 4), radius],
                    "pixel_coords": [round(column), round(row), round(EXTENT - y, 4)],
                    "rotation": round(rng.uniform(0.0, 360.0), 3),
                }
            )
        if len(objects) == count:
            break
    return {
        "split": split,
        "image_index": index,
        "image_filename": f"CLEVR_{split}_{index:06d}.png",
        "objects": objects,
        "relationships": relationships(objects),
        "directions": DIRECTIONS,
    }
