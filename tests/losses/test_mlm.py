"""Masking for MLM: what is chosen, how it is corrupted, and the loss."""

from __future__ import annotations

import pytest
import torch

from polymodal.losses import IGNORE_INDEX, mask_tokens, mlm_loss


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(2, 50, (400, 20), generator=generator)
    lengths = torch.randint(1, 21, (400,), generator=generator)
    mask = torch.arange(20).unsqueeze(0) < lengths.unsqueeze(1)
    return ids.masked_fill(~mask, 0), mask


def test_chosen_tokens_follow_bert_proportions() -> None:
    ids, mask = _batch()
    masked, labels = mask_tokens(
        ids,
        mask,
        mask_id=1,
        vocab_size=50,
        probability=0.15,
        generator=torch.Generator().manual_seed(3),
        keep_ids=(0,),
    )
    chosen = labels != IGNORE_INDEX
    assert not chosen[~mask].any(), "padding is never chosen"
    assert (labels[chosen] == ids[chosen]).all()
    assert (masked[~chosen] == ids[~chosen]).all(), "unchosen tokens are untouched"
    assert chosen.any(dim=1).all(), "every sequence predicts at least one token"
    share = chosen.sum().item() / mask.sum().item()
    assert 0.14 < share < 0.20  # 15 % plus the forced one in short sequences
    replaced_by_mask = (masked[chosen] == 1).float().mean().item()
    unchanged = (masked[chosen] == ids[chosen]).float().mean().item()
    assert replaced_by_mask == pytest.approx(0.8, abs=0.04)
    assert unchanged == pytest.approx(0.1 + 0.1 / 48, abs=0.03)
    assert not (masked == 0)[mask].any(), "padding id is never drawn as a replacement"


def test_same_generator_same_masks() -> None:
    ids, mask = _batch()
    first = mask_tokens(ids, mask, 1, 50, generator=torch.Generator().manual_seed(5))
    second = mask_tokens(ids, mask, 1, 50, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])


def test_loss_counts_only_chosen_tokens() -> None:
    labels = torch.full((1, 3), IGNORE_INDEX)
    labels[0, 1] = 2
    logits = torch.zeros(1, 3, 4)
    logits[0, 1, 2] = 20.0  # right where it counts
    logits[0, 0, 3] = 20.0  # anything elsewhere is ignored
    assert mlm_loss(logits, labels).item() < 1e-6
    with pytest.raises(ValueError, match="no token"):
        mlm_loss(logits, torch.full((1, 3), IGNORE_INDEX))


def test_bad_probability() -> None:
    ids, mask = _batch()
    with pytest.raises(ValueError, match="probability"):
        mask_tokens(ids, mask, 1, 50, probability=0.0)
