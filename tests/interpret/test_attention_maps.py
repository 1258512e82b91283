"""Attention heatmaps: softmax rows sum to 1 over keys, and the maps show where each question
token looked."""

import pytest
import torch

from polymodal.data.batch import Batch, Padded, pad_sequences
from polymodal.encoders import ConvImageEncoder, GRUTextEncoder, ViTEncoder
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import ConcatFusion, CrossAttentionFusion, SingleStreamFusion
from polymodal.heads import MLPHead
from polymodal.interpret import (
    TokenGrid,
    attentions_returned,
    find_image_attention,
    image_attention,
    infer_grid,
    locate,
)
from polymodal.models import MultimodalModel
from tests.interpret.models import Identity, LookUp


class CellTokens(torch.nn.Module):
    """(B, N, D) given tokens, e.g. one-hot per image cell, laid on a (4, 4) grid by a
    16×16 image: ``image`` is the tokens themselves, encoded as is."""

    def forward(self, tokens: torch.Tensor) -> EncoderOutput:
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool)
        return EncoderOutput(tokens=tokens, mask=mask, pooled=tokens.mean(dim=1))


class QuestionTokens(torch.nn.Module):
    def forward(self, question: Padded) -> EncoderOutput:
        values = question.values.float()
        return EncoderOutput(tokens=values, mask=question.mask, pooled=values.mean(dim=1))


def test_each_question_token_looks_at_its_cell():
    # Image cells carry one-hot features; question token t equals cell t's feature.
    cells = torch.eye(16)[None]  # (1, 16 cells, 16 features)
    asked = [5, 10, 15]
    question = Padded(torch.eye(16)[asked][None], torch.ones(1, 3, dtype=torch.bool))
    model = MultimodalModel(
        {"image": CellTokens(), "question": QuestionTokens()}, LookUp(), {"answer": Identity()}
    ).eval()
    batch = Batch(image=cells, question=question)
    with attentions_returned(model):
        weights = model(batch).fused.attentions["question->image/0"]
    assert weights.shape == (1, 1, 3, 16)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(1, 1, 3))
    maps = image_attention(
        weights,
        TokenGrid(4, 4),
        locate("question->image/0", weights, model.encode(batch)),
        num_queries=3,
    )
    torch.testing.assert_close(maps.tokens.sum(dim=(-2, -1)), torch.ones(1, 3))
    torch.testing.assert_close(maps.pooled.sum(dim=(-2, -1)), torch.ones(1))
    for row, cell in enumerate(asked):
        peak = int(maps.tokens[0, row].flatten().argmax())
        assert peak == cell
        # softmax of 10·one-hot over 16 keys: e^10 / (e^10 + 15)
        assert maps.tokens[0, row].flatten()[cell] == pytest.approx(1 / (1 + 15 * torch.e**-10))
    assert maps.mass[0].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_pooled_map_leaves_out_padded_question_tokens():
    weights = torch.zeros(1, 2, 3, 4)
    weights[..., 0, 0] = 1.0  # real token 0 looks at cell 0
    weights[..., 1, 1] = 1.0  # real token 1 looks at cell 1
    weights[..., 2, 3] = 1.0  # padding looks at cell 3
    source = locate(
        "q->i/0",
        weights,
        {
            "q": EncoderOutput(
                torch.zeros(1, 3, 2), torch.ones(1, 3, dtype=torch.bool), torch.zeros(1, 2)
            ),
            "i": EncoderOutput(
                torch.zeros(1, 4, 2), torch.ones(1, 4, dtype=torch.bool), torch.zeros(1, 2)
            ),
        },
    )
    mask = torch.tensor([[True, True, False]])
    maps = image_attention(weights, TokenGrid(2, 2), source, 3, mask)
    torch.testing.assert_close(maps.pooled[0], torch.tensor([[0.5, 0.5], [0.0, 0.0]]))


def encoded(**counts: int) -> dict[str, EncoderOutput]:
    return {
        name: EncoderOutput(
            torch.zeros(1, n, 4), torch.ones(1, n, dtype=torch.bool), torch.zeros(1, 4)
        )
        for name, n in counts.items()
    }


def test_locate_reads_query_and_key_from_the_shape():
    outputs = encoded(question=5, image=17)
    forward = locate("question->image/1", torch.zeros(1, 2, 5, 17), outputs)
    assert (forward.query, forward.key, forward.layer) == ("question", "image", 1)
    # MulT names maps source->target, with the target's tokens as queries.
    mult = locate("image->question/0", torch.zeros(1, 2, 5, 17), outputs)
    assert (mult.query, mult.key) == ("question", "image")
    assert locate("question/self/0", torch.zeros(1, 2, 5, 5), outputs) is None
    joint = locate("joint/0", torch.zeros(1, 2, 22, 22), outputs, ["question", "image"])
    assert joint is not None and joint.layer == 0


def test_infer_grid():
    assert infer_grid(64, (32, 32)) == TokenGrid(8, 8, 0)
    assert infer_grid(17, (32, 32)) == TokenGrid(4, 4, 1)  # a ViT's CLS + 4×4 patches
    assert infer_grid(84, (50, 30)) == TokenGrid(12, 7, 0)  # floored halvings of 50×30
    with pytest.raises(ValueError, match="cannot lay 7 image tokens"):
        infer_grid(7, (32, 32))


def vqa_model(fusion: torch.nn.Module, image_encoder: torch.nn.Module) -> MultimodalModel:
    return MultimodalModel(
        {"image": image_encoder, "question": GRUTextEncoder(vocab_size=10, dim=8, embed_dim=4)},
        fusion,
        {"answer": MLPHead(8, 3)},
    ).eval()


def question_batch() -> Batch:
    torch.manual_seed(1)
    return Batch(
        image=torch.randn(2, 3, 16, 16),
        question=pad_sequences([torch.tensor([2, 3, 4]), torch.tensor([5])]),
    )


def test_cross_attention_fusion_maps_sum_to_one_over_keys():
    torch.manual_seed(0)
    fusion = CrossAttentionFusion({"question": 8, "image": 8}, dim=8, num_layers=2, num_heads=2)
    model = vqa_model(fusion, ConvImageEncoder([4, 8], dim=8))
    batch = question_batch()
    with attentions_returned(model) as switched:
        assert switched == 1 and fusion.return_attentions
        attentions = model(batch).fused.attentions
    assert not fusion.return_attentions  # restored
    assert sorted(attentions) == ["question->image/0", "question->image/1"]
    for weights in attentions.values():
        assert weights.shape == (2, 2, 3, 16)
        torch.testing.assert_close(weights.sum(dim=-1), torch.ones(2, 2, 3))
    maps = find_image_attention(model, batch, "image", "question")
    assert maps is not None and maps.source.name == "question->image/1"
    assert maps.tokens.shape == (2, 3, 4, 4) and maps.pooled.shape == (2, 4, 4)
    torch.testing.assert_close(maps.pooled.sum(dim=(-2, -1)), torch.ones(2))
    assert maps.query_mask.tolist() == [[True, True, True], [True, False, False]]


def test_single_stream_maps_over_vit_patches_leave_out_cls_and_text():
    torch.manual_seed(0)
    vit = ViTEncoder(image_size=16, patch_size=4, dim=8, num_layers=1, num_heads=2)
    fusion = SingleStreamFusion({"image": 8, "question": 8}, dim=8, num_layers=1, num_heads=2)
    model = vqa_model(fusion, vit)
    maps = find_image_attention(model, question_batch(), "image", "question")
    assert maps is not None and maps.source.name == "joint/0"
    assert (maps.source.query_offset, maps.source.key_offset) == (17, 0)
    assert maps.tokens.shape == (2, 3, 4, 4)
    torch.testing.assert_close(maps.tokens.sum(dim=(-2, -1)), torch.ones(2, 3))
    # The keys also hold the CLS token and the question's tokens: part of the attention.
    assert ((maps.mass > 0) & (maps.mass < 1)).all()


def test_models_without_attention_give_none():
    concat = vqa_model(
        ConcatFusion({"image": 8, "question": 8}, dim=8), ConvImageEncoder([4, 8], 8)
    )
    with attentions_returned(concat) as switched:
        assert switched == 0
    assert find_image_attention(concat, question_batch(), "image", "question") is None
