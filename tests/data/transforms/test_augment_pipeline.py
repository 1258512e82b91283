"""Augmentations through the real hooks: the dataset wrapper, collate, and a short run of
the shipped ``easy_vqa_augmented`` config."""

from __future__ import annotations

import torch
from tests.conftest import TINY

from polymodal.config import load_config
from polymodal.data.batch import collate
from polymodal.data.pipeline import TransformedDataset
from polymodal.data.synthetic.augment_spatial import SpatialPairs
from polymodal.data.transforms import (
    ConsistentColorJitter,
    ConsistentHorizontalFlip,
    ConsistentResizedCrop,
    RandomDeletion,
)
from polymodal.data.transforms.record import records_of
from polymodal.recipes.train import train


def test_records_collate_and_augmentation_is_a_function_of_seed_epoch_index():
    data = SpatialPairs("train", num_images=4, questions_per_image=4, image_size=32)
    augment = [
        ConsistentHorizontalFlip(record=True),
        ConsistentResizedCrop(scale=(0.5, 1.0), record=True),
        ConsistentColorJitter(0.3, 0.3, record=True),
        RandomDeletion(0.2, record=True),
    ]
    wrapped = TransformedDataset(data, {}, augment=augment, seed=7)
    samples = [wrapped[i] for i in range(len(wrapped))]
    batch = collate(samples)
    assert len(batch["augmentations"]) == 16
    assert all(isinstance(r, str) for r in batch["augmentations"])
    assert any("hflip" in r for r in batch["augmentations"])
    assert any("ColorJitter skipped" in r for r in batch["augmentations"])
    assert any(len(records_of(r)) >= 2 for r in batch["augmentations"])
    again = wrapped[5]
    assert (
        torch.equal(again["image"], samples[5]["image"])
        and again["question"] == samples[5]["question"]
    )
    wrapped.set_epoch(1)
    epoch_one = [wrapped[i] for i in range(len(wrapped))]
    assert any(
        a["augmentations"] != b["augmentations"] for a, b in zip(samples, epoch_one, strict=True)
    )


def test_a_batch_where_nothing_was_done_still_collates_its_records_as_strings():
    data = [{"image": torch.zeros(3, 4, 4, dtype=torch.uint8), "question": "what?"}] * 3
    wrapped = TransformedDataset(data, {}, augment=[ConsistentHorizontalFlip(p=0.0, record=True)])
    assert collate([wrapped[i] for i in range(3)])["augmentations"] == ["", "", ""]


def test_augmented_config_trains(tmp_path):
    overrides = [
        *TINY,
        "training.max_steps=2",
        "data.train.limit=64",
        "data.val.limit=32",
        "~data.test",
        f"output_dir={tmp_path}",
        "augment.flip.record=true",
        "+batch_augment.jitter._component_=polymodal.data.transforms.ColorJitter",
        "+batch_augment.jitter.brightness=0.2",
        "+batch_augment.jitter.mean=[0.5,0.5,0.5]",
        "+batch_augment.jitter.std=[0.5,0.5,0.5]",
    ]
    result = train(load_config("easy_vqa_augmented", overrides))
    assert 0.0 <= result.metrics["val"]["accuracy"] <= 100.0
