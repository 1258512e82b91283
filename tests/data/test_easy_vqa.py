import json

import pytest
import torch

from polymodal.data.datasets.easy_vqa import EasyVQA, question_type
from polymodal.errors import DataError


def test_published_split_sizes():
    train = EasyVQA("train", preload=False)
    val = EasyVQA("val", preload=False)
    test = EasyVQA("test", preload=False)
    assert len(train) + len(val) == 38_575
    assert len(test) == 9_673
    assert len(set(train.image_ids) | set(val.image_ids)) == 4_000
    assert not set(train.image_ids) & set(val.image_ids)  # split by image
    assert len(val.image_ids) == 400


def test_sample_fields():
    sample = EasyVQA("test", limit=1)[0]
    assert sample["image"].shape == (3, 64, 64) and sample["image"].dtype == torch.uint8
    assert isinstance(sample["question"], str) and len(sample["answers"]) == 1
    assert sample["answer_type"] in ("yes/no", "shape", "color")


def test_question_types():
    assert question_type("what is the red shape?", "circle") == "shape"
    assert question_type("is there not a circle?", "no") == "yes/no negated"
    assert question_type("is no red shape present?", "yes") == "yes/no negated"
    assert question_type("is there a circle?", "no") == "yes/no"


def test_val_split_is_deterministic():
    first = EasyVQA("val", preload=False).questions
    assert first == EasyVQA("val", preload=False).questions
    assert first != EasyVQA("val", val_seed=1, preload=False).questions


def test_missing_image_is_named(easy_vqa_copy):
    (easy_vqa_copy / "train" / "images" / "3.png").unlink()
    with pytest.raises(DataError, match=r"1 image file\(s\) missing .* e.g. 3.png"):
        EasyVQA("train", root=easy_vqa_copy)


def test_corrupt_image_is_named(easy_vqa_copy):
    path = easy_vqa_copy / "test" / "images" / "2.png"
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with pytest.raises(DataError, match=r"cannot decode image .*2.png"):
        EasyVQA("test", root=easy_vqa_copy)


def test_malformed_questions_file(easy_vqa_copy):
    (easy_vqa_copy / "test" / "questions.json").write_text(json.dumps([["q", "a"]]))
    with pytest.raises(DataError, match=r"questions.json: entry 0 .*expected \[question"):
        EasyVQA("test", root=easy_vqa_copy)
    (easy_vqa_copy / "test" / "questions.json").unlink()
    with pytest.raises(DataError, match="questions file not found"):
        EasyVQA("test", root=easy_vqa_copy)
