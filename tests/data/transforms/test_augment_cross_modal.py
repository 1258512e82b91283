"""Cross-modal augmentations keep an image and its text true together: a flipped image's
left/right text and answers are flipped too (checked against the flipped pixels), colour
questions are never colour-jittered, crops keep every object."""

from __future__ import annotations

import copy

import pytest
import torch

from polymodal.data.datasets.easy_vqa import EasyVQA
from polymodal.data.synthetic.augment_spatial import SPATIAL_KINDS, SpatialPairs
from polymodal.data.synthetic.scenes import COLORS
from polymodal.data.transforms import (
    ConsistentColorJitter,
    ConsistentHorizontalFlip,
    ConsistentResizedCrop,
    RandomHorizontalFlip,
    RandomRotation,
    TextGuard,
)
from polymodal.data.transforms.cross_modal import object_boxes

DATA = SpatialPairs(
    "test",
    num_images=12,
    questions_per_image=4,
    seed=3,
    kinds=("side", "relation", "shape", "color"),
)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def column_of(image: torch.Tensor, color: str) -> float:
    """Mean column of the pixels painted in ``color`` (as rendered)."""
    rgb = torch.tensor(COLORS[color]).view(3, 1, 1)
    mask = ((image.int() - rgb).abs().sum(0) <= 12).float()
    assert mask.sum() > 0, f"no {color} pixels"
    columns = torch.arange(image.shape[-1]).float()
    return float((mask.sum(0) * columns).sum() / mask.sum())


def true_answer(sample: dict) -> str:
    """The answer to a spatial question, read off the image's pixels."""
    words = sample["question"].rstrip("?").split()
    first, second = words[2], words[-2]  # "Is the <a> thing ... the <b> thing?"
    first_is_left = column_of(sample["image"], first) < column_of(sample["image"], second)
    if sample["question_type"] == "side":
        return "left" if first_is_left else "right"
    relation = "left" if " left of " in sample["question"] else "right"
    return "yes" if first_is_left == (relation == "left") else "no"


def spatial_samples() -> list[dict]:
    return [DATA[i] for i in range(len(DATA)) if DATA[i]["question_type"] in SPATIAL_KINDS]


def test_dataset_answers_agree_with_pixels():
    samples = spatial_samples()
    assert len(samples) == 24
    assert all(true_answer(s) == s["answers"][0] for s in samples)


def test_consistent_flip_flips_left_questions_and_answers_and_stays_true():
    flip = ConsistentHorizontalFlip(p=1.0, record=True)
    for sample in spatial_samples():
        flipped = flip(dict(sample), gen())
        assert torch.equal(flipped["image"], sample["image"].flip(-1))
        assert true_answer(flipped) == flipped["answers"][0]
        if sample["question_type"] == "side":  # the answer names the side: it flips
            assert flipped["answers"] == [{"left": "right", "right": "left"}[sample["answers"][0]]]
            assert "to the right or to the left" in flipped["question"]
        else:  # the question names the side: it flips, the answer stays
            assert flipped["answers"] == sample["answers"]
            assert ("left" in flipped["question"]) == ("right" in sample["question"])
        assert flipped["augmentations"].startswith("hflip(words=")


def test_naive_flip_makes_every_spatial_answer_wrong():
    for sample in spatial_samples():
        flipped = RandomHorizontalFlip(p=1.0)(dict(sample), gen())
        assert true_answer(flipped) != flipped["answers"][0]


def test_flip_mirrors_scene_program_and_boxes_and_twice_is_the_identity():
    sample = DATA[0]
    sample["program"] = [{"function": "relate", "inputs": [0], "value_inputs": ["left"]}]
    sample["boxes"] = torch.tensor([[1.0, 2.0, 5.0, 6.0]])
    sample["caption"] = "The LEFT cube, left-hand side; leftover Right."
    flip = ConsistentHorizontalFlip(p=1.0)
    once = flip(dict(sample), gen())
    width = sample["image"].shape[-1]
    assert once["caption"] == "The RIGHT cube, right-hand side; leftover Left."
    assert once["program"][0]["value_inputs"] == ["right"]
    assert once["boxes"].tolist() == [[width - 5.0, 2.0, width - 1.0, 6.0]]
    scene, mirrored = sample["scene"], once["scene"]
    assert mirrored["relationships"]["left"] == scene["relationships"]["right"]
    for obj, new in zip(scene["objects"], mirrored["objects"], strict=True):
        assert new["3d_coords"][0] == pytest.approx(-obj["3d_coords"][0])
        assert new["pixel_coords"][0] == width - obj["pixel_coords"][0]
    assert sample["scene"]["objects"][0]["3d_coords"] == DATA.scenes[0]["objects"][0]["3d_coords"]
    twice = flip(dict(once), gen())
    for key in ("image", "question", "answers", "caption", "program", "boxes"):
        value = twice[key]
        assert torch.equal(value, sample[key]) if torch.is_tensor(value) else value == sample[key]
    assert twice["scene"]["relationships"] == scene["relationships"]


def test_flip_is_deterministic_and_p_is_respected():
    flip = ConsistentHorizontalFlip(p=0.5)
    draws = [flip(dict(DATA[0]), gen(s))["question"] != DATA[0]["question"] for s in range(40)]
    assert 8 < sum(draws) < 32
    assert draws == [
        flip(dict(DATA[0]), gen(s))["question"] != DATA[0]["question"] for s in range(40)
    ]


def test_colour_questions_are_never_colour_jittered():
    """Every distinct easy-VQA training (question, answer), with a many-coloured image: the
    jitter (strong, always on) leaves the image alone exactly when either is about colour."""
    questions = sorted({(q, a, 0) for q, a, _ in EasyVQA("train", preload=False).questions})
    assert len(questions) > 250
    image = torch.randint(0, 256, (3, 4, 4), dtype=torch.uint8, generator=gen(1))
    jitter = ConsistentColorJitter(0.5, 0.5, 0.5, 0.2, p=1.0, record=True)
    colour_answers = {"red", "green", "blue", "black", "gray", "teal", "brown", "yellow"}
    changed_kinds = set()
    for index, (question, answer, _) in enumerate(questions):
        sample = {"image": image, "question": question, "answers": [answer]}
        out = jitter(dict(sample), gen(index))
        about_colour = answer in colour_answers or any(c in question for c in colour_answers)
        about_colour = about_colour or "color" in question
        if about_colour:
            assert torch.equal(out["image"], image), question
            assert out["augmentations"] == "ColorJitter skipped (text mentions color)"
        else:
            assert not torch.equal(out["image"], image), question
            changed_kinds.add(answer)
    assert changed_kinds  # shape questions were jittered


def test_crop_with_known_objects_keeps_every_object_whole():
    crop = ConsistentResizedCrop(scale=(0.3, 0.8), record=True)
    cropped = 0
    for seed in range(30):
        sample = DATA[seed % len(DATA)]
        out = crop(dict(sample), gen(seed))
        assert out["image"].shape == sample["image"].shape
        if out["augmentations"].startswith("crop("):
            cropped += 1
            height, width = out["image"].shape[-2:]
            boxes = object_boxes(out, height, width)
            assert boxes is not None
            assert (boxes[:, :2] >= -0.5).all() and (boxes[:, 2] <= width + 0.5).all()
            assert (boxes[:, 3] <= height + 0.5).all()
            if out["question_type"] in SPATIAL_KINDS:  # objects moved, answers still true
                assert true_answer(out) == out["answers"][0]
        else:
            assert out["augmentations"].startswith("crop skipped (no crop")
    assert cropped > 10


def test_crop_without_object_locations_skips_spatial_and_counting_questions():
    crop = ConsistentResizedCrop(scale=(0.3, 0.5), size=8, record=True)
    image = torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8)
    for question in ["what is left of the cube?", "how many balls are there?"]:
        out = crop({"image": image, "question": question}, gen())
        assert out["image"].shape == (3, 8, 8)  # resized all the same
        assert out["augmentations"].startswith("crop skipped (")
    out = crop({"image": image, "question": "what shape is it?"}, gen())
    assert out["augmentations"].startswith("crop(")


def test_text_guard_and_batches():
    rotate = TextGuard(RandomRotation(30), topics=["spatial"], record=True)
    image = torch.rand(3, 8, 8)
    kept = rotate({"image": image, "question": "is it left of the cube?"}, gen())
    assert torch.equal(kept["image"], image) and "text mentions spatial" in kept["augmentations"]
    moved = rotate({"image": image, "question": "what shape is it?"}, gen())
    assert not torch.equal(moved["image"], image)
    with pytest.raises(ValueError, match="augment:"):
        ConsistentHorizontalFlip()(
            {"image": torch.zeros(2, 3, 4, 4), "question": ["a", "b"]}, gen()
        )
    with pytest.raises(ValueError, match="topic"):
        TextGuard(RandomRotation(), topics=["weather"])


def test_source_sample_is_never_modified():
    sample = DATA[1]
    before = copy.deepcopy({k: v for k, v in sample.items() if k != "image"})
    image = sample["image"].clone()
    for augmentation in [ConsistentHorizontalFlip(p=1.0), ConsistentResizedCrop()]:
        augmentation(dict(sample), gen())
    assert torch.equal(sample["image"], image)
    assert {k: v for k, v in sample.items() if k != "image"} == before


def test_one_object_scenes_flip_consistently():
    data = SpatialPairs(
        "val", num_images=6, questions_per_image=2, kinds=("side", "relation"), num_objects=1
    )
    flip = ConsistentHorizontalFlip(p=1.0)
    for index in range(len(data)):
        sample = data[index]
        color = sample["question"].split()[2]
        on_left = column_of(sample["image"], color) < sample["image"].shape[-1] / 2
        flipped = flip(dict(sample), gen())
        flipped_left = column_of(flipped["image"], color) < sample["image"].shape[-1] / 2
        assert flipped_left != on_left
        if sample["question_type"] == "side":
            assert sample["answers"] == ["left" if on_left else "right"]
            assert flipped["answers"] == ["left" if flipped_left else "right"]
        else:
            asks_left = "on the left" in flipped["question"]
            assert flipped["answers"] == ["yes" if asks_left == flipped_left else "no"]
