"""CLEVR and GQA from their official files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.data.datasets.official_files import write_clevr, write_gqa

from polymodal.data.datasets.clevr import CLEVR
from polymodal.data.datasets.gqa import GQA
from polymodal.errors import DataError


def test_clevr_questions_programs_and_scenes(tmp_path: Path) -> None:
    data = CLEVR("val", root=write_clevr(tmp_path))
    assert len(data) == 3
    sample = data[2]
    assert sample["question"] == "What color is the sphere?"
    assert sample["answers"] == ["blue"] and sample["answer_type"] == "color"
    assert sample["question_type"] == "query_color"
    assert [step["function"] for step in sample["program"]] == [
        "scene", "filter_shape", "unique", "query_color"
    ]  # fmt: skip
    assert sample["program"][1]["value_inputs"] == ["sphere"]
    assert sample["image"].shape == (3, 32, 48)
    assert sample["scene"]["objects"][0]["color"] == "blue"
    assert data.field_values("answer_type") == ["number", "yes/no", "color"]
    assert data.field_values("question_family_index") == [37, 40, 25]


def test_clevr_without_scenes_and_test_split(tmp_path: Path) -> None:
    root = write_clevr(tmp_path, split="test", scenes=False)
    path = root / "questions" / "CLEVR_test_questions.json"
    content = json.loads(path.read_text())
    for question in content["questions"]:  # the official test file has neither
        del question["answer"], question["program"]
    path.write_text(json.dumps(content))
    data = CLEVR("test", root=root)
    sample = data[0]
    assert "scene" not in sample and sample["answers"] == [] and sample["program"] == []
    with pytest.raises(DataError, match="CLEVR scenes file not found"):
        CLEVR("test", root=root, scenes=True)


def test_clevr_errors(tmp_path: Path) -> None:
    root = write_clevr(tmp_path)
    scenes = root / "scenes" / "CLEVR_val_scenes.json"
    content = json.loads(scenes.read_text())
    del content["scenes"][1]["objects"][0]["material"]
    scenes.write_text(json.dumps(content))
    with pytest.raises(DataError, match=r"scenes\[1\].objects\[0\] has no field 'material'"):
        CLEVR("val", root=root)
    questions = root / "questions" / "CLEVR_val_questions.json"
    questions.write_text(json.dumps({"questions": {"0": {}}}))  # an object, not a list
    with pytest.raises(
        DataError, match=r"CLEVR_val_questions.json: the top level.questions is .*expected a list"
    ):
        CLEVR("val", root=root, scenes=False)
    with pytest.raises(
        DataError, match=r"CLEVR train questions file not found: .*CLEVR_train_questions.json"
    ):
        CLEVR("train", root=root)


def test_clevr_truncated_image_named(tmp_path: Path) -> None:
    root = write_clevr(tmp_path)
    image = root / "images" / "val" / "CLEVR_val_000001.png"
    image.write_bytes(image.read_bytes()[:30])
    data = CLEVR("val", root=root)
    with pytest.raises(DataError, match=r"cannot decode image .*CLEVR_val_000001.png"):
        data[2]


def test_gqa_balanced_questions_and_scene_graphs(tmp_path: Path) -> None:
    data = GQA("val", root=write_gqa(tmp_path))
    assert len(data) == 3
    sample = data[0]
    assert sample["id"] == "201307251" and sample["image_id"] == "2354786"
    assert sample["answers"] == ["brown"] and sample["full_answer"] == "The answer is brown."
    assert sample["question_type"] == "material" and sample["answer_type"] == "query"
    assert sample["program"][1]["operation"] == "query"
    assert sample["scene_graph"]["objects"]["1"]["relations"] == [{"name": "near", "object": "2"}]
    assert data.field_values("answer_type") == ["query", "verify", "verify"]
    assert "scene_graph" not in GQA("val", root=tmp_path, scene_graphs=False)[0]


def test_gqa_errors(tmp_path: Path) -> None:
    root = write_gqa(tmp_path)
    path = root / "val_balanced_questions.json"
    content = json.loads(path.read_text())
    del content["1380"]["imageId"]
    path.write_text(json.dumps(content))
    with pytest.raises(
        DataError, match=r"val_balanced_questions.json: \['1380'\] has no field 'imageId'"
    ):
        GQA("val", root=root)
    path.write_text(json.dumps(list(content.values())))
    with pytest.raises(DataError, match=r"the top level is .*expected an object"):
        GQA("val", root=root)
    with pytest.raises(DataError, match="GQA testdev questions file not found"):
        GQA("testdev", root=root)
