"""VQA v2 from the official question/annotation files, images or a feature file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file
from tests.data.datasets.official_files import write_vqa_v2

from polymodal.data.datasets.vqa_v2 import VQAv2, soft_scores
from polymodal.data.fields import field_values
from polymodal.errors import DataError


def test_samples_keep_raw_answers_and_types(tmp_path: Path) -> None:
    data = VQAv2("train", root=write_vqa_v2(tmp_path))
    assert len(data) == 4
    sample = data[0]
    assert sample["id"] == 1 and sample["image_id"] == 9
    assert sample["image"].shape == (3, 16, 24) and sample["image"].dtype == torch.uint8
    assert sample["answers"] == ["Red"] * 4 + ["red."] * 2 + ["dark red"] * 4
    assert sample["question_type"] == "what color is the"
    assert sample["answer_type"] == "other"
    assert sample["multiple_choice_answer"] == "red"
    assert data.field_values("question_type")[2] == "how many"


def test_normalised_answers_and_soft_scores(tmp_path: Path) -> None:
    data = VQAv2("train", root=write_vqa_v2(tmp_path), normalize_answers=True)
    # Official normalisation: case, punctuation, number words, articles.
    assert data[0]["answers"] == ["red"] * 6 + ["dark red"] * 4
    assert data[2]["answers"] == ["2"] * 9 + ["3"]
    assert data[3]["answers"] == ["umbrella"] * 10
    assert soft_scores(VQAv2("train", root=tmp_path)[0]["answers"]) == {
        "red": 1.0,
        "dark red": 1.0,
    }
    assert soft_scores(["two", "2", "3", "yes", "yes"]) == pytest.approx(
        {"2": 2 / 3, "3": 1 / 3, "yes": 2 / 3}
    )


def test_answer_vocabulary_top_k(tmp_path: Path) -> None:
    data = VQAv2("train", root=write_vqa_v2(tmp_path))
    # All answers: umbrella 10, no 10, 2 9, red 6, dark red 4, 3 1 (ties alphabetically).
    assert data.answer_vocabulary() == ["no", "umbrella", "2", "red", "dark red", "3"]
    assert data.answer_vocabulary(top_k=2) == ["no", "umbrella"]
    assert data.answer_vocabulary(source="multiple_choice") == ["2", "no", "red", "umbrella"]


def test_test_dev_has_questions_only(tmp_path: Path) -> None:
    data = VQAv2("test-dev", root=write_vqa_v2(tmp_path))
    sample = data[0]
    assert sample["answers"] == [] and sample["answer_type"] == ""
    assert sample["image"].shape[0] == 3  # from test2015/


def test_feature_file_instead_of_images(tmp_path: Path) -> None:
    root = write_vqa_v2(tmp_path, images=False)
    features = {"9": np.ones((3, 4), np.float32), "42": np.zeros((3, 4), np.float32)}
    save_file(features, str(tmp_path / "features.safetensors"))
    np.savez(tmp_path / "features.npz", **features)
    for name in ("features.safetensors", "features.npz"):
        data = VQAv2("train", root=root, features=tmp_path / name)
        sample = data[0]
        assert "image" not in sample
        assert sample["image_features"].shape == (3, 4)
        assert float(sample["image_features"].sum()) == 12.0
    save_file({"9": features["9"]}, str(tmp_path / "partial.safetensors"))
    with pytest.raises(
        DataError, match=r"partial.safetensors: 1 image id\(s\) have no features, e.g. 42"
    ):
        VQAv2("train", root=root, features=tmp_path / "partial.safetensors")


def test_errors_name_file_and_field(tmp_path: Path) -> None:
    root = write_vqa_v2(tmp_path)
    annotations = root / "v2_mscoco_train2014_annotations.json"
    content = json.loads(annotations.read_text())
    del content["annotations"][1]["answers"][3]["answer"]
    annotations.write_text(json.dumps(content))
    with pytest.raises(
        DataError, match=r"annotations.json: annotations\[1\].answers\[3\] has no field 'answer'"
    ):
        VQAv2("train", root=root)
    # Wrong nesting: a bare list instead of {"annotations": [...]}.
    annotations.write_text(json.dumps(content["annotations"]))
    with pytest.raises(DataError, match=r"annotations.json: the top level is .*expected an object"):
        VQAv2("train", root=root)
    annotations.unlink()
    with pytest.raises(DataError, match=r"VQA v2 train annotations file not found; looked for"):
        VQAv2("train", root=root)
    with pytest.raises(DataError, match="unknown split 'dev'"):
        VQAv2("dev", root=root)


def test_missing_image_names_file_unless_skipping(tmp_path: Path) -> None:
    root = write_vqa_v2(tmp_path)
    (root / "train2014" / "COCO_train2014_000000000042.jpg").unlink()
    with pytest.raises(
        DataError, match=r"1 image file\(s\) missing .* COCO_train2014_000000000042"
    ):
        VQAv2("train", root=root)
    data = VQAv2("train", root=root, skip_broken_images=True)
    assert len(data) == 2 and data.skipped == 2
    assert "2 sample(s) dropped for missing image files" in (data.skip_report() or "")
    assert field_values(data, "image_id") == [9, 9]
