"""Golden values on fixed inputs (TFN, LMF, GMU) and the defining properties of the other
fusions."""

from __future__ import annotations

import math

import pytest
import torch

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import (
    AttentionRelationFusion,
    EarlyConcatFusion,
    FiLMFusion,
    GatedMultimodalUnit,
    GraphFusion,
    LowRankFusion,
    RelationFusion,
    SoftmaxGatedFusion,
    TensorFusion,
    WeightedLateFusion,
)
from polymodal.fusion.graph import graph_edges


def pooled(**vectors: list[float]) -> dict[str, EncoderOutput]:
    out = {}
    for name, values in vectors.items():
        vector = torch.tensor([values])
        out[name] = EncoderOutput(vector[:, None], torch.ones(1, 1, dtype=torch.bool), vector)
    return out


def tokens(batch: int = 2, **shapes: tuple[int, int]) -> dict[str, EncoderOutput]:
    return {
        name: EncoderOutput(
            torch.randn(batch, count, width),
            torch.ones(batch, count, dtype=torch.bool),
            torch.randn(batch, width),
        )
        for name, (count, width) in shapes.items()
    }


def test_tensor_fusion_golden() -> None:
    fusion = TensorFusion({"a": 1, "b": 2}, dim=1)
    with torch.no_grad():
        fusion.project.weight.copy_(torch.tensor([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]))
        fusion.project.bias.zero_()
    inputs = pooled(a=[2.0], b=[3.0, -1.0])
    # [1, 2] ⊗ [1, 3, -1], row-major.
    assert fusion.fused_tensor(inputs).tolist() == [[1.0, 3.0, -1.0, 2.0, 6.0, -2.0]]
    # 0.1·1 + 0.2·3 + 0.3·(-1) + 0.4·2 + 0.5·6 + 0.6·(-2) = 3.0
    torch.testing.assert_close(fusion(inputs).pooled, torch.tensor([[3.0]]))


def test_tensor_fusion_three_modalities_keeps_uni_bi_and_trimodal_terms() -> None:
    fusion = TensorFusion({"a": 2, "b": 1, "c": 1}, dim=3)
    tensor = fusion.fused_tensor(pooled(a=[2.0, 5.0], b=[3.0], c=[7.0])).view(3, 2, 2)
    assert tensor[0, 0, 0] == 1.0  # the constant
    assert tensor[2, 0, 0] == 5.0  # unimodal a₂
    assert tensor[1, 1, 0] == 6.0  # bimodal a₁ b
    assert tensor[2, 1, 1] == 105.0  # trimodal a₂ b c


def test_tensor_fusion_warns_with_the_numbers() -> None:
    with pytest.warns(UserWarning, match=r"\(32 \+ 1\) × \(32 \+ 1\) × \(128 \+ 1\) = 140,481"):
        TensorFusion({"text": 32, "audio": 32, "vision": 128}, dim=4)


def test_low_rank_fusion_golden() -> None:
    fusion = LowRankFusion({"a": 1, "b": 1}, dim=1, rank=2)
    with torch.no_grad():
        fusion.factors["a"].copy_(torch.tensor([[[1.0], [2.0]], [[0.5], [-1.0]]]))
        fusion.factors["b"].copy_(torch.tensor([[[1.0], [1.0]], [[2.0], [0.0]]]))
        fusion.rank_weights.copy_(torch.tensor([1.0, 2.0]))
        fusion.bias.fill_(0.5)
    # rank 1: ([1,3]·[1,2]) ([1,4]·[1,1]) = 7·5 = 35; rank 2: (0.5 - 3)(2) = -5
    output = fusion(pooled(a=[3.0], b=[4.0])).pooled
    torch.testing.assert_close(output, torch.tensor([[35.0 - 10.0 + 0.5]]))


def test_low_rank_fusion_equals_tensor_fusion_with_the_reconstructed_weight() -> None:
    torch.manual_seed(0)
    widths = {"a": 3, "b": 2, "c": 2}
    low_rank = LowRankFusion(widths, dim=5, rank=3)
    tensor = TensorFusion(widths, dim=5)
    factors = [low_rank.factors[m] for m in widths]  # (R, d_m + 1, D)
    weight = torch.einsum("r,rid,rjd,rkd->ijkd", low_rank.rank_weights, *factors)
    with torch.no_grad():
        tensor.project.weight.copy_(weight.reshape(-1, 5).T)
        tensor.project.bias.copy_(low_rank.bias)
    inputs = tokens(batch=4, a=(1, 3), b=(1, 2), c=(1, 2))
    expected = torch.relu(low_rank(inputs).pooled)
    torch.testing.assert_close(tensor(inputs).pooled, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rank", [0, -2, 1.5, True, "4"])
def test_low_rank_fusion_validates_the_rank(rank: object) -> None:
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        LowRankFusion({"a": 2, "b": 2}, dim=3, rank=rank)  # type: ignore[arg-type]


def test_low_rank_factors_are_registered_parameters() -> None:
    fusion = LowRankFusion({"text": 4, "audio": 3}, dim=2, rank=5)
    names = dict(fusion.named_parameters())
    assert names["factors.text"].shape == (5, 5, 2)
    assert names["factors.audio"].shape == (5, 4, 2)
    assert set(names) == {"factors.text", "factors.audio", "rank_weights", "bias"}


def test_gmu_golden() -> None:
    fusion = GatedMultimodalUnit({"a": 2, "b": 2}, dim=2)
    with torch.no_grad():
        fusion.first_projection.weight.copy_(torch.eye(2))
        fusion.second_projection.weight.copy_(torch.eye(2))
        fusion.gate.weight.copy_(torch.tensor([[0.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 0.0]]))
    output = fusion(pooled(a=[1.0, -1.0], b=[0.5, 0.0])).pooled
    z1, z2 = 1 / (1 + math.exp(-0.5)), 1 / (1 + math.exp(-1.0))
    expected = [
        z1 * math.tanh(1.0) + (1 - z1) * math.tanh(0.5),
        z2 * math.tanh(-1.0) + (1 - z2) * 0.0,
    ]
    assert [round(v, 6) for v in expected] == [0.648529, -0.55677]
    torch.testing.assert_close(output, torch.tensor([expected]))


def test_softmax_gates_sum_to_one_per_feature() -> None:
    fusion = SoftmaxGatedFusion({"a": 3, "b": 2, "c": 4}, dim=5, return_gates=True)
    gates = fusion(tokens(a=(1, 3), b=(1, 2), c=(1, 4))).attentions["gates"]
    assert gates.shape == (2, 1, 5, 3)
    torch.testing.assert_close(gates.sum(-1), torch.ones(2, 1, 5))


def test_late_fusion_with_fixed_weights_is_the_weighted_sum_of_predictions() -> None:
    fusion = WeightedLateFusion({"a": 3, "b": 2}, dim=4, weights={"a": 3.0, "b": 1.0})
    inputs = tokens(a=(1, 3), b=(1, 2))
    expected = 0.75 * fusion.predictors["a"](inputs["a"].pooled) + 0.25 * fusion.predictors["b"](
        inputs["b"].pooled
    )
    torch.testing.assert_close(fusion(inputs).pooled, expected)
    assert not list(p for n, p in fusion.named_parameters() if "weight" in n and "predict" not in n)
    with pytest.raises(ValueError, match="non-negative weight to each"):
        WeightedLateFusion({"a": 3, "b": 2}, dim=4, weights={"a": 1.0})


def test_early_fusion_needs_aligned_sequences() -> None:
    fusion = EarlyConcatFusion({"a": 3, "b": 2}, dim=4)
    inputs = tokens(a=(5, 3), b=(5, 2))
    output = fusion(inputs)
    assert output.tokens is not None and output.tokens.shape == (2, 5, 4)
    with pytest.raises(ValueError, match="aligned sequences"):
        fusion(tokens(a=(5, 3), b=(4, 2)))


def test_relation_network_split_first_layer_equals_the_concatenated_layer() -> None:
    torch.manual_seed(0)
    fusion = RelationFusion({"image": 3, "question": 2}, g_dims=[6], f_dims=[4])
    inputs = tokens(image=(4, 3), question=(1, 2))
    objects = fusion.object_features(inputs["image"].tokens)  # (B, 4, 5)
    weight = torch.cat(
        [fusion.first_object.weight, fusion.second_object.weight, fusion.condition.weight], 1
    )
    question = inputs["question"].pooled
    summed = torch.zeros(2, 6)
    for i in range(4):
        for j in range(4):
            joined = torch.cat([objects[:, i], objects[:, j], question], dim=-1)
            summed += torch.relu(joined @ weight.T + fusion.condition.bias)
    torch.testing.assert_close(fusion(inputs).pooled, fusion.f(summed))


def test_relation_network_unordered_pairs_and_padding() -> None:
    torch.manual_seed(0)
    fusion = RelationFusion(
        {"image": 3, "question": 2}, g_dims=[6], f_dims=[4], pairing="unordered"
    )
    inputs = tokens(image=(9, 3), question=(1, 2))
    objects = fusion.object_features(inputs["image"].tokens)
    first, second = fusion.first_object(objects), fusion.second_object(objects)
    condition = fusion.condition(inputs["question"].pooled)
    summed = sum(
        torch.relu(first[:, i] + second[:, j] + condition) for i in range(9) for j in range(i, 9)
    )
    torch.testing.assert_close(fusion(inputs).pooled, fusion.f(summed))  # 45 pairs
    with pytest.raises(ValueError, match="square grid"):
        fusion(tokens(image=(8, 3), question=(1, 2)))


def test_attention_relation_anchor_is_a_distribution_over_real_objects() -> None:
    torch.manual_seed(0)
    fusion = AttentionRelationFusion(
        {"image": 3, "question": 2}, g_dims=[6], f_dims=[4], return_attentions=True
    )
    inputs = tokens(image=(4, 3), question=(1, 2))
    mask = torch.tensor([[True, True, False, True], [True, True, True, True]])
    inputs["image"] = EncoderOutput(inputs["image"].tokens, mask, inputs["image"].pooled)
    attentions = fusion(inputs).attentions
    for key in ("anchor", "related"):
        weights = attentions[key][:, 0, 0]
        torch.testing.assert_close(weights.sum(-1), torch.ones(2))
        assert weights[0, 2] == 0.0


def test_film_starts_near_identity_scaling_and_follows_the_question() -> None:
    torch.manual_seed(0)
    fusion = FiLMFusion({"image": 4, "question": 3}, dim=5, num_blocks=2, norm="group")
    inputs = tokens(image=(9, 4), question=(1, 3))
    with torch.no_grad():
        fusion.film_generator.weight.zero_()
        fusion.film_generator.bias.zero_()
    same_for_any_question = fusion(inputs).pooled
    other = dict(inputs)
    other["question"] = EncoderOutput(
        inputs["question"].tokens, inputs["question"].mask, torch.randn(2, 3)
    )
    torch.testing.assert_close(fusion(other).pooled, same_for_any_question)  # γ = 1, β = 0
    with torch.no_grad():
        fusion.film_generator.weight.normal_()
    assert not torch.allclose(fusion(other).pooled, fusion(inputs).pooled)


def test_graph_edges_connect_real_nodes_of_one_sample() -> None:
    mask = torch.tensor([[True, True, True], [True, False, True]])
    modality = torch.tensor([0, 0, 1])
    edges = graph_edges(mask, modality, cross_only=False)
    assert sorted(map(tuple, edges.T.tolist())) == [
        (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (3, 5), (5, 3)
    ]  # fmt: skip
    cross = graph_edges(mask, modality, cross_only=True)
    assert sorted(map(tuple, cross.T.tolist())) == [(0, 2), (1, 2), (2, 0), (2, 1), (3, 5), (5, 3)]


def test_graph_fusion_ignores_padding_nodes() -> None:
    torch.manual_seed(0)
    fusion = GraphFusion({"a": 3, "b": 2}, dim=4)
    inputs = tokens(batch=1, a=(3, 3), b=(2, 2))
    padded = dict(inputs)
    a = inputs["a"]
    padded["a"] = EncoderOutput(
        torch.cat([a.tokens, torch.randn(1, 2, 3)], 1),
        torch.cat([a.mask, torch.zeros(1, 2, dtype=torch.bool)], 1),
        a.pooled,
    )
    torch.testing.assert_close(fusion(padded).pooled, fusion(inputs).pooled)
