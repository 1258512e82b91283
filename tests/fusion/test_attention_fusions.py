"""Attention fusions: cross-modal attention, co-attention, single-stream, MulT."""

import math

import pytest
import torch

from polymodal.config import instantiate, load_config, shipped_configs
from polymodal.data.batch import Batch, pad_sequences
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import CoAttentionFusion, CrossAttentionFusion, MulTFusion, SingleStreamFusion

WIDTHS = {"question": 6, "image": 8}
LENGTHS = {"question": 3, "image": 5}


def _encoded(lengths, widths, batch=2, pad=0, seed=0):
    """Random tokens; row 0 of every modality is followed by ``pad`` padded positions holding
    garbage, row 1 is full length."""
    generator = torch.Generator().manual_seed(seed)
    encoded = {}
    for name, length in lengths.items():
        tokens = torch.randn(batch, length + pad, widths[name], generator=generator)
        mask = torch.ones(batch, length + pad, dtype=torch.bool)
        mask[0, length:] = False
        tokens[0, length:] = 50.0
        encoded[name] = EncoderOutput(tokens, mask, tokens.mean(1))
    return encoded


def _strip(encoded, pad):
    """Row 0 alone, without its padding."""
    return {
        name: EncoderOutput(
            e.tokens[:1, : e.tokens.shape[1] - pad], e.mask[:1, : e.mask.shape[1] - pad],
            e.pooled[:1],
        )
        for name, e in encoded.items()
    }  # fmt: skip


FUSIONS = {
    "cross": lambda dims: CrossAttentionFusion(dims, dim=8, num_layers=2, num_heads=2),
    "cross_post_ln": lambda dims: CrossAttentionFusion(
        dims, dim=8, num_layers=1, num_heads=2, norm_first=False
    ),
    "cross_self": lambda dims: CrossAttentionFusion(
        dims, dim=8, num_layers=2, num_heads=2, self_attention=True
    ),
    "co": lambda dims: CoAttentionFusion(dims, dim=8, num_layers=2, num_heads=2),
    "co_pre_ln": lambda dims: CoAttentionFusion(
        dims, dim=8, num_layers=1, num_heads=2, norm_first=True, self_attention=False
    ),
    "single": lambda dims: SingleStreamFusion(dims, dim=8, num_layers=2, num_heads=2),
    "single_post_ln_mean": lambda dims: SingleStreamFusion(
        dims, dim=8, num_layers=1, num_heads=2, norm_first=False, pooling="mean"
    ),
    "mult": lambda dims: MulTFusion(dims, dim=8, num_layers=2, num_heads=2),
}
EXPECTED_MAPS = {
    "cross": {"question->image/0": (2, 3, 5), "question->image/1": (2, 3, 5)},
    "cross_post_ln": {"question->image/0": (2, 3, 5)},
    "cross_self": {
        "question->image/0": (2, 3, 5), "question/0": (2, 3, 3),
        "question->image/1": (2, 3, 5), "question/1": (2, 3, 3),
    },
    "co": {
        "question->image/0": (2, 3, 5), "image->question/0": (2, 5, 3),
        "question/0": (2, 3, 3), "image/0": (2, 5, 5),
        "question->image/1": (2, 3, 5), "image->question/1": (2, 5, 3),
        "question/1": (2, 3, 3), "image/1": (2, 5, 5),
    },
    "co_pre_ln": {"question->image/0": (2, 3, 5), "image->question/0": (2, 5, 3)},
    "single": {"joint/0": (2, 8, 8), "joint/1": (2, 8, 8)},
    "single_post_ln_mean": {"joint/0": (2, 8, 8)},
    "mult": {
        "image->question/0": (2, 3, 5), "image->question/1": (2, 3, 5),
        "question->image/0": (2, 5, 3), "question->image/1": (2, 5, 3),
        "question/self/0": (2, 3, 3), "image/self/0": (2, 5, 5),
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", FUSIONS)
def test_shapes_and_attention_maps(kind):
    torch.manual_seed(0)
    fusion = FUSIONS[kind](WIDTHS).eval()
    encoded = _encoded(LENGTHS, WIDTHS)
    output = fusion(encoded)
    assert output.pooled.shape == (2, fusion.output_dim) and output.attentions == {}
    fusion.return_attentions = True
    maps = fusion(encoded).attentions
    shapes = {name: (m.shape[0], m.shape[2], m.shape[3]) for name, m in maps.items()}
    assert shapes == EXPECTED_MAPS[kind]
    for weights in maps.values():
        assert weights.shape[1] == 2  # heads
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:3]))


@pytest.mark.parametrize("kind", FUSIONS)
def test_padding_changes_nothing(kind):
    torch.manual_seed(0)
    fusion = FUSIONS[kind](WIDTHS).eval()
    fusion.return_attentions = True
    padded_inputs = _encoded(LENGTHS, WIDTHS, pad=3)
    padded = fusion(padded_inputs)
    alone = fusion(_strip(padded_inputs, 3))
    torch.testing.assert_close(padded.pooled[:1], alone.pooled, rtol=0, atol=1e-5)
    for name, weights in padded.attentions.items():
        keys = alone.attentions[name].shape[-1]
        queries = alone.attentions[name].shape[-2]
        if name.startswith("joint"):  # padding of the first modality sits mid-sequence
            real = padded.mask[0]
            torch.testing.assert_close(weights[0][:, real][:, :, real], alone.attentions[name][0])
            assert weights[0][:, :, ~real].abs().max() == 0
        else:
            torch.testing.assert_close(weights[:1, :, :queries, :keys], alone.attentions[name])
            assert weights[0, :, :, keys:].abs().max() == 0  # padded keys get no weight


def test_cross_attention_computes_softmax_of_text_queries_against_image_keys():
    torch.manual_seed(0)
    fusion = CrossAttentionFusion(WIDTHS, dim=8, num_layers=1, num_heads=2, return_attentions=True)
    encoded = _encoded(LENGTHS, WIDTHS)
    weights = fusion(encoded).attentions["question->image/0"]
    layer = fusion.layers[0]
    queries = layer.attention.query(
        layer.attention_norm(fusion.query_projection(encoded["question"].tokens))
    )
    keys = layer.attention.key(layer.context_norm(encoded["image"].tokens))
    q = queries.view(2, 3, 2, 4).transpose(1, 2)  # (B, heads, N_t, d_k)
    k = keys.view(2, 5, 2, 4).transpose(1, 2)  # (B, heads, N_i, d_k)
    scores = q @ k.transpose(-1, -2) / math.sqrt(4)
    scores[0] = scores[0].masked_fill(~encoded["image"].mask[0], float("-inf"))
    torch.testing.assert_close(weights, scores.softmax(-1))


def test_cross_attention_self_attention_lets_one_word_steer_another():
    # Without self-attention each question token's output depends on that token alone (and
    # the image); with it, changing one word changes what the others end with.
    torch.manual_seed(0)
    encoded = _encoded(LENGTHS, WIDTHS)
    changed = dict(encoded)
    tokens = encoded["question"].tokens.clone()
    tokens[:, 0] += 1.0
    changed["question"] = EncoderOutput(tokens, encoded["question"].mask, tokens.mean(1))
    for self_attention, moves in ((False, False), (True, True)):
        fusion = CrossAttentionFusion(
            WIDTHS, dim=8, num_layers=2, num_heads=2, self_attention=self_attention
        ).eval()
        others = fusion(encoded).tokens[:, 1:], fusion(changed).tokens[:, 1:]
        assert (not torch.allclose(*others)) == moves
    assert len(fusion.self_layers) == 2


def test_mult_handles_three_unaligned_modalities():
    torch.manual_seed(0)
    widths = {"text": 6, "audio": 4, "vision": 5}
    lengths = {"text": 3, "audio": 7, "vision": 4}
    fusion = MulTFusion(widths, dim=8, num_layers=1, num_heads=2, return_attentions=True).eval()
    output = fusion(_encoded(lengths, widths, pad=2))
    assert output.pooled.shape == (2, 8)
    assert len(output.attentions) == 6 + 3  # six ordered pairs, three self-attention stacks
    assert output.attentions["audio->text/0"].shape == (2, 2, 3 + 2, 7 + 2)
    assert output.attentions["text/self/0"].shape == (2, 2, 3 + 2, 3 + 2)
    assert len(fusion.crossmodal) == 6


@pytest.mark.parametrize("norm_first", [False, True])
def test_single_stream_without_tokens_pools_the_same(norm_first):
    torch.manual_seed(0)
    full = SingleStreamFusion(WIDTHS, dim=8, num_layers=2, num_heads=2, norm_first=norm_first)
    lean = SingleStreamFusion(
        WIDTHS, dim=8, num_layers=2, num_heads=2, norm_first=norm_first, return_tokens=False
    )
    lean.load_state_dict(full.state_dict())
    encoded = _encoded(LENGTHS, WIDTHS, pad=2)
    expected, output = full.eval()(encoded), lean.eval()(encoded)
    torch.testing.assert_close(output.pooled, expected.pooled, rtol=0, atol=1e-6)
    assert output.tokens is None and output.mask is None
    with pytest.raises(ValueError, match="return_tokens=False needs pooling='first'"):
        SingleStreamFusion(WIDTHS, dim=8, pooling="mean", return_tokens=False)


def test_bad_arguments():
    with pytest.raises(
        ValueError, match=r"query='text' is not one of input_dims \['question', 'image'\]"
    ):
        CrossAttentionFusion(WIDTHS, dim=8, query="text")
    with pytest.raises(ValueError, match="exactly two modalities"):
        CoAttentionFusion({"a": 2, "b": 2, "c": 2}, dim=8)
    with pytest.raises(ValueError, match="at least two modalities"):
        MulTFusion({"a": 2}, dim=8)
    with pytest.raises(ValueError, match="pooling must be one of"):
        SingleStreamFusion(WIDTHS, dim=8, pooling="max")
    with pytest.raises(ValueError, match=r"missing \['image'\]"):
        CrossAttentionFusion(WIDTHS, dim=8, num_heads=2)(
            {"question": _encoded(LENGTHS, WIDTHS)["question"]}
        )


VIT_CONFIGS = [name for name in shipped_configs() if name.startswith("easy_vqa_vit_")]


def test_there_is_a_config_per_attention_fusion():
    fusions = {load_config(name).model.fusion._component_.rsplit(".", 1)[1] for name in VIT_CONFIGS}
    assert fusions == {"CrossAttentionFusion", "CoAttentionFusion", "SingleStreamFusion"}


@pytest.mark.parametrize("name", VIT_CONFIGS)
def test_config_model_trains_end_to_end(name):
    config = load_config(name, ["+meta.question_vocab_size=12", "+meta.num_answers=5"])
    torch.manual_seed(0)
    model = instantiate(config.model, path="model")
    image_size = config.model.encoders.image.image_size
    batch = Batch(
        image=torch.randn(2, 3, image_size, image_size),
        image_index=torch.tensor([0, 0, 1]),
        question=pad_sequences([torch.tensor([2, 3, 4]), torch.tensor([5]), torch.tensor([6, 7])]),
    )
    output = model(batch)
    assert output.logits["answer"].shape == (3, 5)
    output.logits["answer"].sum().backward()
    for encoder in ("image", "question"):
        gradients = [p.grad for p in model.encoders[encoder].parameters() if p.grad is not None]
        assert gradients and any(g.abs().sum() > 0 for g in gradients), encoder
