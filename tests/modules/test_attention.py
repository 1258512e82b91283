import math

import pytest
import torch

from polymodal.modules import MultiHeadAttention, attention_mask, causal_mask, scaled_dot_product


def _heads(rows):
    """(N, d) rows → (1, 1, N, d): one batch, one head."""
    return torch.tensor(rows, dtype=torch.float32)[None, None]


# softmax([1, 0] / √2) for the query [1, 0] against keys [1, 0] and [0, 1], by hand.
P = 1.0 / (1.0 + math.exp(-1.0 / math.sqrt(2.0)))  # 0.669762…
Q, K, V = _heads([[1.0, 0.0]]), _heads([[1.0, 0.0], [0.0, 1.0]]), _heads([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("return_weights", [False, True])
def test_golden_values(return_weights):
    output, weights = scaled_dot_product(Q, K, V, return_weights=return_weights)
    expected = torch.tensor([[[[P * 1 + (1 - P) * 3, P * 2 + (1 - P) * 4]]]])
    torch.testing.assert_close(output, expected)
    assert abs(expected[0, 0, 0, 0].item() - 1.660477) < 1e-6
    if return_weights:
        torch.testing.assert_close(weights, torch.tensor([[[[P, 1 - P]]]]))
    else:
        assert weights is None


@pytest.mark.parametrize("return_weights", [False, True])
def test_golden_values_with_a_masked_key(return_weights):
    mask = torch.tensor([[True, False]])[:, None, None, :]
    output, weights = scaled_dot_product(Q, K, V, mask=mask, return_weights=return_weights)
    torch.testing.assert_close(output, torch.tensor([[[[1.0, 2.0]]]]))
    if return_weights:
        torch.testing.assert_close(weights, torch.tensor([[[[1.0, 0.0]]]]))


@pytest.mark.parametrize("return_weights", [False, True])
def test_golden_values_causal(return_weights):
    keys = _heads([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    values = _heads([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    output, weights = scaled_dot_product(
        keys, keys, values, is_causal=True, return_weights=return_weights
    )
    # Query 0 sees only key 0; query 1 sees keys 0, 1 with scores [0, 1/√2].
    torch.testing.assert_close(output[0, 0, 0], torch.tensor([1.0, 0.0]))
    torch.testing.assert_close(output[0, 0, 1], torch.tensor([1 - P, P]))
    if return_weights:
        assert weights[0, 0].triu(diagonal=1).abs().max() == 0
        torch.testing.assert_close(weights.sum(-1), torch.ones(1, 1, 3))


@pytest.mark.parametrize("return_weights", [False, True])
def test_golden_values_with_a_bias(return_weights):
    # A bias of −1/√2 on key 0 cancels its score: equal weights.
    bias = torch.tensor([-1.0 / math.sqrt(2.0), 0.0])[None, None, None, :]
    output, weights = scaled_dot_product(Q, K, V, bias=bias, return_weights=return_weights)
    torch.testing.assert_close(output, torch.tensor([[[[2.0, 3.0]]]]))
    if return_weights:
        torch.testing.assert_close(weights, torch.tensor([[[[0.5, 0.5]]]]))


@pytest.mark.parametrize("return_weights", [False, True])
def test_a_bias_with_masks(return_weights):
    keys = _heads([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    values = _heads([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    bias = torch.tensor([0.0, 2.0, 0.0])[None, None, None, :]
    output, _ = scaled_dot_product(
        keys, keys, values, is_causal=True, bias=bias, return_weights=return_weights
    )
    # Query 1 sees keys 0, 1 with scores [0, 1/√2 + 2]; query 0 only key 0.
    p = 1.0 / (1.0 + math.exp(-(1.0 / math.sqrt(2.0) + 2.0)))
    torch.testing.assert_close(output[0, 0, 0], torch.tensor([1.0, 0.0]))
    torch.testing.assert_close(output[0, 0, 1], torch.tensor([1 - p, p]))
    # A query that may attend to nothing still gets zeros.
    nothing = torch.zeros(1, 1, 1, 2, dtype=torch.bool)
    output, _ = scaled_dot_product(
        Q, K, V, mask=nothing, bias=torch.ones(1, 1, 1, 2), return_weights=return_weights
    )
    assert torch.equal(output, torch.zeros_like(output))


def test_masks():
    assert causal_mask(2, 3).tolist() == [[True, True, False], [True, True, True]]
    padding = torch.tensor([[True, True, False]])
    combined = attention_mask(padding, 3, 3, causal=True)
    assert combined.shape == (1, 1, 3, 3)
    assert combined[0, 0].tolist() == [
        [True, False, False],
        [True, True, False],
        [True, True, False],
    ]
    assert attention_mask(None, 3, 3) is None
    with pytest.raises(ValueError, match="covers 2 keys but there are 3"):
        attention_mask(torch.ones(1, 2, dtype=torch.bool), 3, 3)
    with pytest.raises(TypeError, match="must be bool"):
        attention_mask(torch.ones(1, 3), 3, 3)


def test_a_query_with_no_key_gets_zeros_on_both_paths():
    mask = torch.zeros(1, 1, 1, 2, dtype=torch.bool)
    for return_weights in (False, True):
        output, weights = scaled_dot_product(Q, K, V, mask=mask, return_weights=return_weights)
        assert torch.equal(output, torch.zeros_like(output))
        if weights is not None:
            assert torch.equal(weights, torch.zeros_like(weights))


def _torch_reference(ours: MultiHeadAttention) -> torch.nn.MultiheadAttention:
    dim = ours.query.weight.shape[0]
    reference = torch.nn.MultiheadAttention(dim, ours.num_heads, batch_first=True)
    with torch.no_grad():
        reference.in_proj_weight.copy_(
            torch.cat([ours.query.weight, ours.key.weight, ours.value.weight])
        )
        reference.in_proj_bias.copy_(torch.cat([ours.query.bias, ours.key.bias, ours.value.bias]))
        reference.out_proj.weight.copy_(ours.out.weight)
        reference.out_proj.bias.copy_(ours.out.bias)
    return reference


def test_multi_head_attention_matches_torch_reference():
    torch.manual_seed(0)
    ours = MultiHeadAttention(8, num_heads=2)
    reference = _torch_reference(ours)
    hidden, context = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    padding = torch.tensor([[True] * 5, [True, True, True, False, False]])
    for causal in (False, True):
        keys = hidden if causal else context
        mask = padding[:, :3] if causal else padding
        got = ours(hidden, None if causal else context, mask, causal=causal, return_weights=True)
        fast = ours(hidden, None if causal else context, mask, causal=causal)
        expected, expected_weights = reference(
            hidden,
            keys,
            keys,
            key_padding_mask=~mask,
            attn_mask=~causal_mask(3) if causal else None,
            average_attn_weights=False,
        )
        torch.testing.assert_close(got.output, expected)
        torch.testing.assert_close(fast.output, expected)
        torch.testing.assert_close(got.weights, expected_weights)
        assert fast.weights is None


def test_padded_keys_change_nothing():
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, num_heads=4, context_dim=6)
    hidden, context = torch.randn(1, 3, 8), torch.randn(1, 4, 6)
    alone = attention(hidden, context)
    padded_context = torch.cat([context, torch.randn(1, 3, 6)], dim=1)
    mask = torch.tensor([[True] * 4 + [False] * 3])
    padded = attention(hidden, padded_context, mask, return_weights=True)
    torch.testing.assert_close(padded.output, alone.output, rtol=0, atol=1e-6)
    assert padded.weights[..., 4:].abs().max() == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="dim 10 must be divisible by num_heads 4"):
        MultiHeadAttention(10, 4)
    with pytest.raises(ValueError, match=r"\(B, N, D\)"):
        MultiHeadAttention(8, 2)(torch.randn(3, 8))
