"""Mixup and CutMix: inputs and soft labels mixed by the same weight."""

from __future__ import annotations

import pytest
import torch

from polymodal.data.batch import Batch, Padded
from polymodal.data.transforms import CutMix, Mixup


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def constant_images(count: int, size: int = 8) -> torch.Tensor:
    """Image i is filled with the value i."""
    return (
        torch.arange(count, dtype=torch.float32)
        .view(-1, 1, 1, 1)
        .expand(count, 3, size, size)
        .clone()
    )


def test_mixup_mixes_images_and_targets_with_one_weight():
    count = 6
    batch = Batch(image=constant_images(count), target=torch.eye(count), id=list(range(10, 16)))
    out = Mixup(alpha=1.0, record=True)(batch, gen(2))
    params = Mixup(alpha=1.0).draw(gen(2), count)
    weight, partner = params["weight"], params["partner"]
    expected = weight * torch.arange(count) + (1 - weight) * partner
    torch.testing.assert_close(out["image"][:, 0, 0, 0], expected)
    for row in range(count):
        assert out["target"][row].sum() == pytest.approx(1.0)
        mixed_value = (out["target"][row] * torch.arange(count)).sum()
        assert mixed_value == pytest.approx(float(expected[row]), abs=1e-5)  # label follows pixels
    assert out["augmentations"][0].startswith("mixup(lam=")
    assert f"partner={10 + int(partner[0])}" in out["augmentations"][0]


def test_mixup_class_indices_need_num_classes_and_become_soft():
    batch = Batch(image=torch.rand(4, 3, 4, 4), target=torch.tensor([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="num_classes"):
        Mixup()(Batch(batch), gen())
    out = Mixup(num_classes=3)(Batch(batch), gen())
    assert out["target"].shape == (4, 3) and out["target"].dtype == torch.float32
    torch.testing.assert_close(out["target"].sum(1), torch.ones(4))


def test_mixup_feature_sequences_join_masks_and_refuses_token_ids():
    values = torch.rand(3, 5, 2)
    mask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
    batch = Batch(audio=Padded(values * mask.unsqueeze(-1), mask), target=torch.eye(3))
    out = Mixup(fields=["audio"])(batch, gen())
    partner = Mixup(fields=["audio"]).draw(gen(), 3)["partner"]
    assert torch.equal(out["audio"].mask, mask | mask[partner])
    ids = Batch(
        question=Padded(torch.ones(3, 4, dtype=torch.long), mask[:, :4]), target=torch.eye(3)
    )
    with pytest.raises(ValueError, match="token ids"):
        Mixup(fields=["question"])(ids, gen())


def test_mixup_p_zero_is_the_identity_and_shared_images_are_expanded():
    images = constant_images(2)
    batch = Batch(image=images, image_index=torch.tensor([0, 0, 1]), target=torch.eye(3))
    out = Mixup(p=0.0)(batch, gen())
    assert "image_index" not in out and out["image"].shape[0] == 3
    torch.testing.assert_close(out["image"][:, 0, 0, 0], torch.tensor([0.0, 0.0, 1.0]))
    torch.testing.assert_close(out["target"], torch.eye(3))


def test_cutmix_label_weight_is_the_share_of_pixels_kept():
    count = 8
    batch = Batch(image=constant_images(count, 16), target=torch.eye(count))
    out = CutMix(alpha=1.0, record=True)(batch, gen(1))
    for row in range(count):
        pixels = out["image"][row, 0]
        for value in pixels.unique().tolist():
            share = float((pixels == value).float().mean())
            assert out["target"][row, int(value)] == pytest.approx(share, abs=1e-5)
    assert all(r.startswith("cutmix(lam=") and "|" not in r for r in out["augmentations"])


def test_mixing_errors_name_the_problem():
    with pytest.raises(ValueError, match="alpha"):
        Mixup(alpha=0)
    with pytest.raises(KeyError, match="target"):
        CutMix()(Batch(image=torch.rand(2, 3, 4, 4)), gen())
    with pytest.raises(ValueError, match="float images"):
        CutMix()(Batch(image=torch.zeros(2, 4, 4), target=torch.eye(2)), gen())
