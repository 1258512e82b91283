"""Synthetic CLEVR-style scenes, questions, captions: format, correctness, determinism."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from polymodal.data.datasets.clevr import CLEVR
from polymodal.data.synthetic.captions import full_description
from polymodal.data.synthetic.datasets import SyntheticCaptions, SyntheticCLEVR, write_clevr
from polymodal.data.synthetic.programs import ProgramError, execute
from polymodal.data.synthetic.questions import FAMILIES
from polymodal.data.synthetic.render import render_tensor
from polymodal.data.synthetic.scenes import COLORS, SHAPES, generate_scene, relationships


def _obj(shape: str, color: str, x: float, y: float, size: str = "large") -> dict:
    return {"shape": shape, "color": color, "size": size, "material": "rubber",
            "3d_coords": [x, y, 0.7]}  # fmt: skip


SCENE = {
    "objects": [
        _obj("cube", "red", -2.0, 1.0),
        _obj("sphere", "blue", 0.0, -1.0),
        _obj("cylinder", "red", 2.0, 0.0, "small"),
    ]
}
SCENE["relationships"] = relationships(SCENE["objects"])


def test_relationships_follow_clevr_convention() -> None:
    # relationships[r][i]: the objects that are r of object i.
    assert SCENE["relationships"]["left"] == [[], [0], [0, 1]]
    assert SCENE["relationships"]["right"] == [[1, 2], [2], []]
    assert SCENE["relationships"]["behind"] == [[1, 2], [], [1]]  # smaller y is farther away
    assert SCENE["relationships"]["front"] == [[], [0, 2], [0]]


def _steps(*steps: tuple[str, list[int], list[str]]) -> list[dict]:
    return [{"function": f, "inputs": i, "value_inputs": v} for f, i, v in steps]


def test_program_execution() -> None:
    count_red = _steps(("scene", [], []), ("filter_color", [0], ["red"]), ("count", [1], []))
    assert execute(count_red, SCENE) == "2"
    shape_right_of_sphere = _steps(
        ("scene", [], []), ("filter_shape", [0], ["sphere"]), ("unique", [1], []),
        ("relate", [2], ["right"]), ("unique", [3], []), ("query_shape", [4], []),
    )  # fmt: skip
    assert execute(shape_right_of_sphere, SCENE) == "cylinder"
    more_red_than_blue = _steps(
        ("scene", [], []), ("filter_color", [0], ["red"]), ("count", [1], []),
        ("scene", [], []), ("filter_color", [3], ["blue"]), ("count", [4], []),
        ("greater_than", [2, 5], []),
    )  # fmt: skip
    assert execute(more_red_than_blue, SCENE) == "yes"
    with pytest.raises(ProgramError, match="unique"):
        execute(
            _steps(("scene", [], []), ("filter_color", [0], ["red"]), ("unique", [1], [])), SCENE
        )


def test_scenes_are_clevr_format_and_separated() -> None:
    scene = generate_scene(random.Random(3), 7, "val", 4, 6, 480, 320)
    assert scene["image_filename"] == "CLEVR_val_000007.png"
    assert 4 <= len(scene["objects"]) <= 6
    for obj in scene["objects"]:
        assert obj["shape"] in SHAPES and obj["color"] in COLORS
        assert set(obj) == {
            "shape",
            "color",
            "size",
            "material",
            "3d_coords",
            "pixel_coords",
            "rotation",
        }
    n = len(scene["objects"])
    for i in range(n):  # every pair is related one way, left/right and front/behind
        for j in range(n):
            if i != j:
                assert (j in scene["relationships"]["left"][i]) != (
                    j in scene["relationships"]["right"][i]
                )
                assert (j in scene["relationships"]["front"][i]) != (
                    j in scene["relationships"]["behind"][i]
                )


def test_questions_answers_match_programs_and_are_deterministic() -> None:
    data = SyntheticCLEVR("train", num_images=30, questions_per_image=6, seed=1, image_size=64)
    again = SyntheticCLEVR("train", num_images=30, questions_per_image=6, seed=1, image_size=64)
    other = SyntheticCLEVR("train", num_images=30, questions_per_image=6, seed=2, image_size=64)
    assert data.questions == again.questions and data.questions != other.questions
    assert torch.equal(data[5]["image"], again[5]["image"])
    assert set(data.field_values("question_family_index")) == set(range(len(FAMILIES)))
    for question in data.questions:
        assert (
            execute(question["program"], data.scenes[question["image_index"]]) == question["answer"]
        )
    sample = data[0]
    assert sample["image"].shape == (3, 64, 64) and sample["image"].dtype == torch.uint8
    assert sample["question_type"] == sample["program"][-1]["function"]
    # A prefix of a bigger set: scene i does not depend on how many are drawn.
    assert (
        SyntheticCLEVR("train", num_images=5, questions_per_image=6, seed=1).scenes[4]["objects"]
        == (
            SyntheticCLEVR("train", num_images=9, questions_per_image=6, seed=1).scenes[4][
                "objects"
            ]
        )
    )


def test_rendering_draws_each_object_in_its_colour() -> None:
    scene = {
        "objects": [
            {
                **_obj(shape, color, x, 0.0),
                "pixel_coords": [int(32 + 9 * x), 32, 3.0],
                "rotation": 0.0,
            }
            for shape, color, x in (
                ("cube", "red", -2.0),
                ("sphere", "cyan", 0.0),
                ("cylinder", "yellow", 2.0),
            )
        ]
    }
    image = render_tensor(scene, 64, 64)
    for obj in scene["objects"]:
        column, row = obj["pixel_coords"][:2]
        assert image[:, row + 1, column].tolist() == list(COLORS[obj["color"]])
    assert image[:, 2, 2].tolist() == [200, 200, 196]  # background


def test_captions_and_retrieval_pairs() -> None:
    captions = SyntheticCaptions("train", num_images=4, captions_per_image=3, seed=0)
    assert len(captions) == 12 and captions[4]["caption"] == captions[4]["captions"][1]
    assert all(c.endswith(".") for c in captions.field_values("caption"))
    pairs = SyntheticCaptions("val", num_images=50, style="retrieval", unit="image", seed=0)
    texts = [c[0] for c in pairs.field_values("captions")]
    assert len(set(texts)) == 50  # each caption identifies its image
    assert texts[0] == full_description(pairs.scenes[0]) and texts[0].startswith(
        "from left to right: a "
    )


def test_written_folder_loads_with_clevr_reader(tmp_path: Path) -> None:
    paths = write_clevr(tmp_path, "val", num_images=3, questions_per_image=2, width=96, height=64)
    data = CLEVR("val", root=tmp_path)
    assert len(data) == 6 and paths["scenes"].is_file()
    sample = data[0]
    assert sample["image"].shape == (3, 64, 96)
    assert execute(sample["program"], sample["scene"]) == sample["answers"][0]
