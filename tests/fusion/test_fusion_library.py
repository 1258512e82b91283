"""Every fusion of the library: shapes, parameter counts against the formula, state_dict
round trip, gradients to every parameter."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import (
    AttentionRelationFusion,
    ConcatFusion,
    EarlyConcatFusion,
    FiLMFusion,
    GatedMultimodalUnit,
    GraphFusion,
    LowRankFusion,
    MCBFusion,
    MLBFusion,
    MUTANFusion,
    RelationFusion,
    SoftmaxGatedFusion,
    TensorFusion,
    WeightedLateFusion,
)


def encoded(widths: dict[str, int], tokens: int = 4, batch: int = 3) -> dict[str, EncoderOutput]:
    return {
        name: EncoderOutput(
            tokens=torch.randn(batch, tokens, width),
            mask=torch.ones(batch, tokens, dtype=torch.bool),
            pooled=torch.randn(batch, width),
        )
        for name, width in widths.items()
    }


def linear(a: int, b: int, bias: bool = True) -> int:
    return a * b + (b if bias else 0)


@dataclass
class Case:
    build: Callable[[], nn.Module]
    widths: dict[str, int]
    parameters: int
    out: int
    tokens: int = 4


TWO = {"a": 5, "b": 3}
THREE = {"a": 5, "b": 3, "c": 4}
IMAGE_QUESTION = {"image": 6, "question": 5}
D = 7

CASES = {
    "concat_flatten": Case(
        lambda: ConcatFusion(TWO, D, flatten={"a": 4}), TWO, linear(4 * 5 + 3, D), D
    ),
    "early": Case(lambda: EarlyConcatFusion(THREE, D), THREE, linear(12, D), D),
    "late": Case(
        lambda: WeightedLateFusion(THREE, D, hidden_dims=[4]),
        THREE,
        sum(linear(w, 4) + linear(4, D) for w in THREE.values()) + 3,
        D,
    ),
    "gmu": Case(
        lambda: GatedMultimodalUnit(TWO, D),
        TWO,
        linear(5, D, False) + linear(3, D, False) + linear(8, D, False),
        D,
    ),
    "softmax_gated": Case(
        lambda: SoftmaxGatedFusion(THREE, D),
        THREE,
        sum(linear(w, D) for w in THREE.values()) + linear(12, 3 * D),
        D,
    ),
    "tensor2": Case(lambda: TensorFusion(TWO, D), TWO, linear(6 * 4, D), D),
    "tensor3": Case(lambda: TensorFusion(THREE, D), THREE, linear(6 * 4 * 5, D), D),
    "low_rank": Case(
        lambda: LowRankFusion(THREE, D, rank=3), THREE, 3 * (6 + 4 + 5) * D + 3 + D, D
    ),
    "mlb": Case(
        lambda: MLBFusion(TWO, D, rank=8), TWO, linear(5, 8) + linear(3, 8) + linear(8, D), D
    ),
    "mutan": Case(
        lambda: MUTANFusion(TWO, D, hidden_dims=(6, 4), core_dim=9, rank=2),
        TWO,
        linear(5, 6) + linear(3, 4) + linear(6, 2 * 9) + linear(4, 2 * 9) + linear(9, D),
        D,
    ),
    "mcb": Case(lambda: MCBFusion(TWO, sketch_dim=32), TWO, 0, 32),
    "film": Case(
        lambda: FiLMFusion(IMAGE_QUESTION, D, num_blocks=2, norm="group"),
        IMAGE_QUESTION,
        2 * (linear(6 + 2, 6) + linear(9 * 6, 6)) + linear(5, 2 * 6 * 2) + linear(6, D),
        D,
    ),
    "relation": Case(
        lambda: RelationFusion(IMAGE_QUESTION, g_dims=[8, 9], f_dims=[10, D]),
        IMAGE_QUESTION,
        2 * linear(8, 8, False) + linear(5, 8) + linear(8, 9) + linear(9, 10) + linear(10, D),
        D,
    ),
    "attention_relation": Case(
        lambda: AttentionRelationFusion(
            IMAGE_QUESTION, g_dims=[8, 9], f_dims=[10, D], attention_dim=4
        ),
        IMAGE_QUESTION,
        linear(5, 4)
        + linear(8, 4, False)
        + 2 * linear(8, 8, False)
        + linear(5, 8)
        + linear(8, 9)
        + linear(9, 1)
        + linear(18, 10)
        + linear(10, D),
        D,
    ),
    "graph": Case(
        lambda: GraphFusion(THREE, D, num_layers=2),
        THREE,
        sum(linear(w, D) for w in THREE.values())
        + 3 * D
        + 2 * (linear(D, D, False) + linear(D, D) + linear(2 * D, D) + 2 * D),
        D,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_shape_and_parameter_count(name: str) -> None:
    case = CASES[name]
    torch.manual_seed(0)
    fusion = case.build()
    output = fusion(encoded(case.widths, case.tokens))
    assert output.pooled.shape == (3, case.out)
    assert torch.isfinite(output.pooled).all()
    assert sum(p.numel() for p in fusion.parameters()) == case.parameters
    assert fusion.output_dim == case.out


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_gives_identical_outputs(name: str) -> None:
    case = CASES[name]
    torch.manual_seed(0)
    original = case.build().eval()
    torch.manual_seed(1)
    reloaded = case.build().eval()
    inputs = encoded(case.widths, case.tokens)
    reloaded.load_state_dict(original.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(reloaded(inputs).pooled, original(inputs).pooled, rtol=0, atol=0)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_reach_every_parameter(name: str) -> None:
    case = CASES[name]
    torch.manual_seed(0)
    fusion = case.build()
    inputs = encoded(case.widths, case.tokens)
    for value in inputs.values():
        value.pooled.requires_grad_(True)
        value.tokens.requires_grad_(True)
    output = fusion(inputs).pooled
    # A random projection: a plain sum can have zero gradient (e.g. through a normalisation).
    (output * torch.randn_like(output)).sum().backward()
    for parameter_name, parameter in fusion.named_parameters():
        assert parameter.grad is not None, parameter_name
        assert parameter.grad.abs().sum() > 0, parameter_name
    reached = [v.pooled.grad for v in inputs.values()] + [v.tokens.grad for v in inputs.values()]
    assert any(g is not None and g.abs().sum() > 0 for g in reached)


def test_mcb_reloaded_with_another_seed_keeps_the_saved_hashes() -> None:
    inputs = encoded(TWO)
    first, second = MCBFusion(TWO, 16, seed=0), MCBFusion(TWO, 16, seed=1)
    assert not torch.equal(first(inputs).pooled, second(inputs).pooled)
    assert set(first.state_dict()) == {
        "first_hashes",
        "first_signs",
        "second_hashes",
        "second_signs",
    }
    second.load_state_dict(first.state_dict())
    torch.testing.assert_close(second(inputs).pooled, first(inputs).pooled, rtol=0, atol=0)


def test_mcb_equals_the_count_sketch_of_the_outer_product() -> None:
    """Ψ(x) * Ψ(y) (circular convolution) = Ψ(x ⊗ y) with hash (h_x(i) + h_y(j)) mod d and
    sign s_x(i) s_y(j) — the identity MCB rests on (Pham & Pagh 2013)."""
    torch.manual_seed(0)
    size = 11
    fusion = MCBFusion(TWO, size, seed=3, normalize=False).double()
    inputs = {
        k: EncoderOutput(v.tokens, v.mask, v.pooled.double()) for k, v in encoded(TWO).items()
    }
    x, y = inputs["a"].pooled, inputs["b"].pooled
    expected = torch.zeros(x.shape[0], size, dtype=torch.float64)
    for i in range(5):
        for j in range(3):
            bucket = int(fusion.first_hashes[i] + fusion.second_hashes[j]) % size
            sign = fusion.first_signs[i] * fusion.second_signs[j]
            expected[:, bucket] += sign * x[:, i] * y[:, j]
    torch.testing.assert_close(fusion(inputs).pooled.double(), expected, rtol=1e-5, atol=1e-5)


def test_mcb_normalised_output_has_unit_norm() -> None:
    pooled = MCBFusion(TWO, 64)(encoded(TWO)).pooled
    torch.testing.assert_close(pooled.norm(dim=-1), torch.ones(3))


def test_fusions_reject_wrong_modality_counts() -> None:
    with pytest.raises(ValueError, match="exactly two"):
        GatedMultimodalUnit(THREE, D)
    with pytest.raises(ValueError, match="2 or 3"):
        TensorFusion({"a": 1, "b": 1, "c": 1, "d": 1}, D)
    with pytest.raises(ValueError, match="exactly two"):
        MLBFusion(THREE, D)
    with pytest.raises(ValueError, match="exactly two"):
        MUTANFusion(THREE, D)
    with pytest.raises(ValueError, match="exactly two"):
        MCBFusion(THREE)
    with pytest.raises(ValueError, match="two or more"):
        SoftmaxGatedFusion({"a": 2}, D)
    with pytest.raises(ValueError, match="flatten names"):
        ConcatFusion(TWO, D, flatten={"z": 3})


def test_concat_flatten_checks_the_token_count() -> None:
    fusion = ConcatFusion(TWO, D, flatten={"a": 4})
    with pytest.raises(ValueError, match="has 2 tokens, flatten says 4"):
        fusion(encoded(TWO, tokens=2))


def test_parameter_count_formulas_are_not_trivially_zero() -> None:
    # Guards the table above: a case whose formula were accidentally 0 would pass silently.
    assert [name for name, case in CASES.items() if case.parameters == 0] == ["mcb"]
    assert math.prod(w + 1 for w in THREE.values()) == 120
