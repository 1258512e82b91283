"""The Sort-of-CLEVR generator: the original specification, determinism, the PNG + JSON cache."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from polymodal.data.synthetic.sort_of_clevr import (
    ANSWERS,
    COLORS,
    IMAGE_SIZE,
    OBJECT_SIZE,
    SortOfCLEVR,
    answer,
    generate_objects,
    question_vector,
    write_sort_of_clevr,
)


def test_scene_follows_the_specification() -> None:
    objects = generate_objects(random.Random(0))
    assert [o["color"] for o in objects] == list(COLORS)  # six objects, one per colour
    assert {o["shape"] for o in objects} <= {"rectangle", "circle"}
    for first in objects:
        x, y = first["center"]
        assert OBJECT_SIZE <= x < IMAGE_SIZE - OBJECT_SIZE
        assert OBJECT_SIZE <= y < IMAGE_SIZE - OBJECT_SIZE
        for second in objects:
            if second is not first:
                assert math.dist(first["center"], second["center"]) >= 4 * OBJECT_SIZE


def test_answers_on_a_hand_made_scene() -> None:
    objects = [
        {"color": "red", "shape": "circle", "center": [10, 10]},
        {"color": "green", "shape": "rectangle", "center": [40, 10]},
        {"color": "blue", "shape": "rectangle", "center": [10, 60]},
        {"color": "orange", "shape": "circle", "center": [65, 65]},
        {"color": "gray", "shape": "circle", "center": [40, 40]},
        {"color": "yellow", "shape": "circle", "center": [65, 30]},
    ]
    assert answer(objects, "red", "shape") == "circle"
    assert answer(objects, "red", "horizontal") == "yes"  # on the left
    assert answer(objects, "orange", "vertical") == "no"  # at the bottom
    assert answer(objects, "red", "closest") == "rectangle"  # green, 30 px away
    assert answer(objects, "red", "furthest") == "circle"  # orange
    assert answer(objects, "red", "count") == "4"  # four circles, itself included
    assert answer(objects, "green", "count") == "2"


def test_question_vector_is_the_original_encoding() -> None:
    assert question_vector("red", "shape") == [1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    assert question_vector("yellow", "count") == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1]
    assert question_vector("blue", "closest") == [0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0]


def test_cache_is_png_and_json_and_deterministic(tmp_path: Path) -> None:
    first = write_sort_of_clevr(tmp_path / "a", "test", num_images=3, seed=5)
    second = write_sort_of_clevr(tmp_path / "b", "test", num_images=3, seed=5)
    other = write_sort_of_clevr(tmp_path / "c", "test", num_images=3, seed=6)
    assert first.read_text() == second.read_text()
    assert first.read_text() != other.read_text()
    payload = json.loads(first.read_text())
    assert payload["info"]["answers"] == list(ANSWERS)
    scene = payload["scenes"][0]
    assert len(scene["questions"]) == 20
    assert Counter(q["kind"] for q in scene["questions"]) == {
        "non-relational": 10,
        "relational": 10,
    }
    image = Image.open(tmp_path / "a" / scene["image_filename"])
    assert image.format == "PNG" and image.size == (75, 75)
    pixels = np.asarray(image.convert("RGB"))
    for obj in scene["objects"]:  # each object's centre has its colour
        x, y = obj["center"]
        assert tuple(pixels[y, x]) == COLORS[obj["color"]]
    assert np.array_equal(pixels, np.asarray(Image.open(tmp_path / "b" / scene["image_filename"])))


def test_dataset_reads_the_cache_and_keeps_every_question(tmp_path: Path) -> None:
    dataset = SortOfCLEVR(tmp_path, "val", num_images=4, seed=1)
    assert len(dataset) == 80
    sample = dataset[21]
    assert sample["image"].shape == (3, 75, 75) and sample["image_id"] == 1
    assert sample["answers"][0] in ANSWERS
    assert ANSWERS.index(sample["answers"][0]) == sample["answer_index"]
    assert sample["question_vector"].shape == (11,)
    assert sample["color"] in sample["question"]
    relational = SortOfCLEVR(tmp_path, "val", num_images=4, seed=1, kinds=["relational"])
    assert len(relational) == 40
    assert set(relational.field_values("kind")) == {"relational"}
    # A cache drawn with other settings is redrawn, not silently reused.
    assert len(SortOfCLEVR(tmp_path, "val", num_images=2, seed=1)) == 40


def test_dataset_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kinds"):
        SortOfCLEVR(tmp_path, "val", num_images=1, kinds=["spatial"])
    with pytest.raises(ValueError, match="num_images is needed"):
        write_sort_of_clevr(tmp_path, "val")
    dataset = SortOfCLEVR(tmp_path, "val", num_images=1)
    (tmp_path / dataset.scenes[0]["image_filename"]).unlink()
    with pytest.raises(Exception, match="image missing"):
        dataset[0]


def test_sort_of_clevr_configs_train_end_to_end(tmp_path: Path) -> None:
    from polymodal.config import load_config
    from polymodal.recipes.train import train

    # The configs share each image's encoding between two of its questions; the last run
    # draws independent questions.
    independent = ["data.group_by=null", "data.group_size=null", "data.share=null"]
    runs = [(name, []) for name in ("sort_of_clevr_attention_rn", "sort_of_clevr_rn")]
    runs += [("sort_of_clevr_cnn_mlp", []), ("sort_of_clevr_attention_rn", independent)]
    for name, extra in runs:
        config = load_config(
            name,
            [
                *extra,
                f"output_dir={tmp_path / 'runs'}",
                f"data.train.root={tmp_path / 'data'}",
                "data.train.split=tiny",
                "+data.train.num_images=4",
                "data.val.num_images=2",
                "+data.test.num_images=2",
                "training.max_steps=2",
                "model.encoders.image.channels=[4,4,4,4]",
            ],
        )
        result = train(config)
        test = result.metrics["test"]
        assert "accuracy/kind/relational" in test and "accuracy/kind/non-relational" in test
