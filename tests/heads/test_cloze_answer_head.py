"""ClozeAnswerHead: answers scored by the MLM head's rows for their words, at the last real
text token."""

from __future__ import annotations

import pytest
import torch

from polymodal.fusion.output import FusionOutput
from polymodal.heads import ClozeAnswerHead, MLMHead


def _fused(batch: int = 3, length: int = 5, dim: int = 8) -> FusionOutput:
    torch.manual_seed(0)
    tokens = torch.randn(batch, length, dim)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False], [True] * 3 + [False] * 2])
    return FusionOutput(pooled=tokens.mean(1), tokens=tokens, mask=mask)


def test_answers_are_the_mlm_logits_of_their_words_at_the_last_real_token() -> None:
    head = ClozeAnswerHead(8, vocab_size=10, answer_ids=[4, -1, 7, -1, 2])
    mlm = MLMHead(8, 10)
    mlm.load_state_dict(
        {k.removeprefix("mlm."): v for k, v in head.state_dict().items() if k.startswith("mlm.")}
    )
    fused = _fused()
    logits = head(fused)
    assert logits.shape == (3, 5)
    last = fused.tokens[torch.arange(3), torch.tensor([4, 1, 2])]  # (B, D)
    vocabulary = mlm(last)
    torch.testing.assert_close(logits[:, [0, 2, 4]], vocabulary[:, [4, 7, 2]])
    assert head.extra is not None and head.extra.out_features == 2
    extra = head.extra(mlm.transform(last))
    torch.testing.assert_close(logits[:, [1, 3]], extra)


def test_padding_after_the_mask_does_not_change_the_answer() -> None:
    head = ClozeAnswerHead(8, vocab_size=10, answer_ids=[1, 2, 3]).eval()
    fused = _fused()
    shorter = FusionOutput(
        pooled=fused.pooled, tokens=fused.tokens[:1, :3].clone(), mask=fused.mask[2:3, :3]
    )
    longer_tokens = torch.cat([fused.tokens[:1, :3], torch.randn(1, 4, 8)], dim=1)
    longer = FusionOutput(
        pooled=fused.pooled[:1], tokens=longer_tokens, mask=torch.tensor([[True] * 3 + [False] * 4])
    )
    torch.testing.assert_close(head(shorter), head(longer))


def test_every_answer_without_a_word_gets_a_trained_row() -> None:
    head = ClozeAnswerHead(8, vocab_size=10, answer_ids=[-1, 3])
    head(_fused()).sum().backward()
    assert head.extra is not None and head.extra.weight.grad is not None
    assert head.extra.weight.grad.abs().sum() > 0
    assert head.mlm.decoder.weight.grad[3].abs().sum() > 0
    assert head.mlm.decoder.weight.grad[5].abs().sum() == 0  # no answer says word 5


def test_all_answers_with_words_have_no_extra_rows() -> None:
    head = ClozeAnswerHead(8, vocab_size=10, answer_ids=[0, 9])
    assert head.extra is None
    assert [name.split(".")[0] for name in head.state_dict()] == ["mlm"] * 6


@pytest.mark.parametrize(
    ("answer_ids", "message"),
    [
        ([], "at least one answer"),
        ([3, 10], "outside the vocabulary"),
        ([2, -2], "outside"),
        ([4, 4], "twice"),
    ],
)
def test_bad_answer_ids_are_refused(answer_ids: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClozeAnswerHead(8, vocab_size=10, answer_ids=answer_ids)


def test_a_fusion_without_tokens_is_refused() -> None:
    head = ClozeAnswerHead(8, vocab_size=10, answer_ids=[1])
    with pytest.raises(ValueError, match="returned no tokens"):
        head(FusionOutput(pooled=torch.zeros(2, 8)))
