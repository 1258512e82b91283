"""ITM hard negatives: never a positive, drawn in proportion to the similarity."""

from __future__ import annotations

import pytest
import torch

from polymodal.losses import itm_loss, itm_targets, sample_hard_negatives


def test_negatives_are_never_positives() -> None:
    generator = torch.Generator().manual_seed(0)
    similarity = torch.randn(6, 6, generator=generator)
    ids = torch.tensor([0, 0, 1, 2, 2, 3])
    for _ in range(50):
        texts, images = sample_hard_negatives(similarity, ids, generator)
        assert (ids[texts] != ids).all() and (ids[images] != ids).all()


def test_the_most_similar_other_pair_is_drawn_most_often() -> None:
    similarity = torch.zeros(3, 3)
    similarity[0, 2] = 5.0  # image 0 looks like text 2
    similarity[1, 0] = 5.0  # text 0 looks like image 1 (column 0 of row 1)
    generator = torch.Generator().manual_seed(1)
    counts_text = torch.zeros(3)
    counts_image = torch.zeros(3)
    for _ in range(400):
        texts, images = sample_hard_negatives(similarity, None, generator)
        counts_text[texts[0]] += 1
        counts_image[images[0]] += 1
    # softmax weights e^5 : e^0 → about 99.3 % for the hard one.
    assert counts_text[2] / 400 > 0.97 and counts_text[0] == 0
    assert counts_image[1] / 400 > 0.97 and counts_image[0] == 0


def test_a_batch_of_one_image_has_no_negative() -> None:
    with pytest.raises(ValueError, match="at least two different images"):
        sample_hard_negatives(torch.zeros(2, 2), torch.tensor([4, 4]))


def test_targets_and_loss() -> None:
    labels = itm_targets(2)
    assert labels.tolist() == [1, 1, 0, 0, 0, 0]
    confident = torch.tensor([[-9.0, 9.0]] * 2 + [[9.0, -9.0]] * 4)
    assert itm_loss(confident, labels).item() < 1e-6
    assert itm_loss(confident.flip(1), labels).item() > 17
