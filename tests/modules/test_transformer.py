import pytest
import torch
from torch import nn

from polymodal.modules import (
    CrossAttentionLayer,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    causal_mask,
)

DIM, HEADS, FFN = 8, 2, 16


def _copy_attention(target: nn.MultiheadAttention, source) -> None:
    target.in_proj_weight.copy_(
        torch.cat([source.query.weight, source.key.weight, source.value.weight])
    )
    target.in_proj_bias.copy_(torch.cat([source.query.bias, source.key.bias, source.value.bias]))
    target.out_proj.weight.copy_(source.out.weight)
    target.out_proj.bias.copy_(source.out.bias)


def _copy_linear(target: nn.Module, source: nn.Module) -> None:
    target.load_state_dict(source.state_dict())


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch(norm_first):
    torch.manual_seed(0)
    ours = TransformerEncoderLayer(DIM, HEADS, FFN, norm_first=norm_first)
    reference = nn.TransformerEncoderLayer(
        DIM, HEADS, FFN, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm_first
    )
    with torch.no_grad():
        _copy_attention(reference.self_attn, ours.attention)
        _copy_linear(reference.linear1, ours.feed_forward.fc1)
        _copy_linear(reference.linear2, ours.feed_forward.fc2)
        _copy_linear(reference.norm1, ours.attention_norm)
        _copy_linear(reference.norm2, ours.ffn_norm)
    hidden = torch.randn(2, 5, DIM)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    # Train mode (dropout 0) keeps torch on its plain path, which also computes padded rows.
    expected = reference.train()(hidden, src_key_padding_mask=~mask)
    torch.testing.assert_close(ours(hidden, mask).hidden, expected)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first):
    torch.manual_seed(0)
    ours = TransformerDecoderLayer(DIM, HEADS, FFN, norm_first=norm_first)
    reference = nn.TransformerDecoderLayer(
        DIM, HEADS, FFN, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm_first
    )
    with torch.no_grad():
        _copy_attention(reference.self_attn, ours.self_attention)
        _copy_attention(reference.multihead_attn, ours.cross_attention)
        _copy_linear(reference.linear1, ours.feed_forward.fc1)
        _copy_linear(reference.linear2, ours.feed_forward.fc2)
        _copy_linear(reference.norm1, ours.self_attention_norm)
        _copy_linear(reference.norm2, ours.cross_attention_norm)
        _copy_linear(reference.norm3, ours.ffn_norm)
    hidden, memory = torch.randn(2, 4, DIM), torch.randn(2, 6, DIM)
    memory_mask = torch.tensor([[True] * 6, [True] * 3 + [False] * 3])
    expected = reference.train()(
        hidden, memory, tgt_mask=~causal_mask(4), memory_key_padding_mask=~memory_mask
    )
    got = ours(hidden, memory, memory_mask=memory_mask, return_weights=True)
    torch.testing.assert_close(got.hidden, expected)
    assert got.self_attention[0, 0].triu(diagonal=1).abs().max() == 0
    assert got.cross_attention[1, :, :, 3:].abs().max() == 0


def test_decoder_is_causal():
    torch.manual_seed(0)
    layer = TransformerDecoderLayer(DIM, HEADS, FFN)
    hidden, memory = torch.randn(1, 4, DIM), torch.randn(1, 3, DIM)
    changed = hidden.clone()
    changed[0, 3] += 1.0
    before, after = layer(hidden, memory).hidden, layer(changed, memory).hidden
    torch.testing.assert_close(before[:, :3], after[:, :3])
    assert not torch.allclose(before[:, 3], after[:, 3])


@pytest.mark.parametrize("norm_first", [False, True])
def test_padding_changes_nothing_in_a_stack(norm_first):
    torch.manual_seed(0)
    stack = TransformerEncoder(2, DIM, HEADS, FFN, norm_first=norm_first).eval()
    sequence = torch.randn(1, 3, DIM)
    alone = stack(sequence, torch.ones(1, 3, dtype=torch.bool)).hidden
    padded = torch.cat([sequence, torch.randn(1, 4, DIM)], dim=1)
    mask = torch.tensor([[True] * 3 + [False] * 4])
    torch.testing.assert_close(stack(padded, mask).hidden[:, :3], alone, rtol=0, atol=1e-6)
    assert (stack.final_norm is not None) == norm_first


@pytest.mark.parametrize("norm_first", [False, True])
def test_computing_only_the_first_outputs_changes_none_of_them(norm_first):
    torch.manual_seed(0)
    stack = TransformerEncoder(3, DIM, HEADS, FFN, norm_first=norm_first).eval()
    hidden = torch.randn(2, 6, DIM)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    full = stack(hidden, mask, return_weights=True)
    first = stack(hidden, mask, return_weights=True, num_outputs=2)
    assert first.hidden.shape == (2, 2, DIM)
    torch.testing.assert_close(first.hidden, full.hidden[:, :2], rtol=0, atol=1e-6)
    torch.testing.assert_close(first.attentions[-1], full.attentions[-1][:, :, :2])
    torch.testing.assert_close(first.attentions[0], full.attentions[0])
    assert TransformerEncoder(0, DIM, HEADS)(hidden, num_outputs=1).hidden.shape == (2, 1, DIM)


def test_stack_returns_one_map_per_layer():
    stack = TransformerEncoder(3, DIM, HEADS)
    output = stack(torch.randn(2, 5, DIM), return_weights=True)
    assert len(output.attentions) == 3
    assert output.attentions[0].shape == (2, HEADS, 5, 5)
    torch.testing.assert_close(output.attentions[2].sum(-1), torch.ones(2, HEADS, 5))
    assert stack(torch.randn(2, 5, DIM)).attentions == []


@pytest.mark.parametrize("norm_first", [False, True])
def test_cross_attention_layer_ignores_padded_context(norm_first):
    torch.manual_seed(0)
    layer = CrossAttentionLayer(DIM, HEADS, FFN, norm_first=norm_first, context_dim=6)
    hidden, context = torch.randn(1, 2, DIM), torch.randn(1, 3, 6)
    alone = layer(hidden, context, return_weights=True)
    padded = layer(
        hidden,
        torch.cat([context, torch.randn(1, 2, 6)], dim=1),
        torch.tensor([[True] * 3 + [False] * 2]),
        return_weights=True,
    )
    torch.testing.assert_close(padded.hidden, alone.hidden, rtol=0, atol=1e-6)
    assert padded.attention.shape == (1, HEADS, 2, 5)
    torch.testing.assert_close(padded.attention[..., :3], alone.attention)


def test_cross_attention_layer_without_context_norm_sees_the_context_scale():
    torch.manual_seed(0)
    normed = CrossAttentionLayer(DIM, HEADS, FFN, context_dim=6)
    raw = CrossAttentionLayer(DIM, HEADS, FFN, context_dim=6, normalize_context=False)
    raw.load_state_dict(normed.state_dict(), strict=False)  # the same weights, less the norm
    assert not any(name.startswith("context_norm") for name in raw.state_dict())
    hidden, context = torch.randn(1, 2, DIM), torch.randn(1, 3, 6)
    # LayerNorm makes every context token scale-free; without it, scale reaches attention.
    torch.testing.assert_close(normed(hidden, 3 * context).hidden, normed(hidden, context).hidden)
    assert not torch.allclose(raw(hidden, 3 * context).hidden, raw(hidden, context).hidden)
    # With the norm's identity parameters, normalising by hand first gives the normed layer.
    unit = torch.nn.functional.layer_norm(context, (6,))
    torch.testing.assert_close(raw(hidden, unit).hidden, normed(hidden, context).hidden)
