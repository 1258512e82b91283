"""easy-VQA image attributes read off the questions asked about each image."""

import json

import pytest

from polymodal.data.datasets.easy_vqa_attributes import (
    EasyVQAAttributes,
    image_attributes,
    question_evidence,
)
from polymodal.errors import DataError


@pytest.mark.parametrize(
    ("question", "answer", "evidence"),
    [
        ("what shape is in the image?", "circle", [("shape", "circle")]),
        ("what color is the shape?", "teal", [("color", "teal")]),
        ("what color is the triangle?", "red", [("shape", "triangle"), ("color", "red")]),
        ("what is the blue shape?", "rectangle", [("color", "blue"), ("shape", "rectangle")]),
        ("is there a red shape?", "yes", [("color", "red")]),
        ("is there a red shape?", "no", []),
        ("is there not a circle in the image?", "no", [("shape", "circle")]),
        ("is no gray shape present?", "yes", []),
        ("does the image not contain a circle?", "yes", []),
    ],
)
def test_question_evidence(question, answer, evidence):
    assert question_evidence(question, answer) == evidence


def test_disagreeing_questions_are_an_error():
    questions = [("what shape is present?", "circle", 7), ("is there a triangle?", "yes", 7)]
    with pytest.raises(DataError, match=r"image 7.*shape"):
        image_attributes(questions)


def test_attributes_match_the_answers(easy_vqa_copy):
    train = EasyVQAAttributes("train", root=easy_vqa_copy, val_fraction=0.0)
    questions = json.loads((easy_vqa_copy / "train" / "questions.json").read_text())
    assert len(train) + train.skipped == 12
    for index in range(len(train)):
        sample = train[index]
        assert sample["image"].shape == (3, 64, 64)
        for question, answer, image_id in questions:
            if image_id != sample["image_id"]:
                continue
            if question.startswith("what shape"):
                assert answer == sample["shape"]
            if question.startswith("what color is the shape"):
                assert answer == sample["color"]
    assert train.field_values("shape") == [train[i]["shape"] for i in range(len(train))]
    shapes_only = EasyVQAAttributes(
        "train", root=easy_vqa_copy, val_fraction=0.0, attributes=["shape"]
    )
    assert len(shapes_only) >= len(train) and set(shapes_only[0]) == {
        "id",
        "image",
        "image_id",
        "shape",
    }
    with pytest.raises(DataError, match="subset"):
        EasyVQAAttributes("train", root=easy_vqa_copy, attributes=["size"])
