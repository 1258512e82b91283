"""AnchorDistanceBias: an attended anchor and attention scores that follow distance from it."""

import pytest
import torch

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import CrossAttentionFusion
from polymodal.modules.anchor_distance import AnchorDistanceBias
from polymodal.modules.cross_attention import CrossAttentionLayer

# Four tokens, one-hot features, at the corners of a unit square and its centre's right.
POSITIONS = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]])
CONTEXT = torch.eye(4)[None]


def _pointing_at(token: int, slopes: list[float], gain: float = 10.0) -> AnchorDistanceBias:
    """A bias whose anchor head attends to ``token`` (almost all its weight) and whose heads'
    slopes are ``slopes`` / gain, whatever the query."""
    bias = AnchorDistanceBias(dim=2, num_heads=len(slopes), context_dim=4, anchor_dim=4, gain=gain)
    with torch.no_grad():
        bias.query.weight.zero_()
        bias.query.bias.copy_(torch.nn.functional.one_hot(torch.tensor(token), 4) * 100.0)
        bias.key.weight.copy_(torch.eye(4))
        bias.key.bias.zero_()
        bias.slope_bias.copy_(torch.tensor(slopes) / gain)
    return bias


def test_the_anchor_and_the_distances_by_hand() -> None:
    bias = _pointing_at(0, [-1.0, 2.0])
    hidden = torch.zeros(1, 3, 2)
    scores, anchors = bias(hidden, CONTEXT, POSITIONS)
    assert scores.shape == (1, 2, 3, 4)
    torch.testing.assert_close(anchors, torch.zeros(1, 3, 2), atol=1e-4, rtol=0)
    torch.testing.assert_close(bias.last_anchors, anchors)
    distances = torch.tensor([0.0, 1.0, 1.0, 1.0])  # from token 0: |(0.6, 0.8)| = 1
    torch.testing.assert_close(scores[0, 0, 1], -distances, atol=1e-3, rtol=0)
    torch.testing.assert_close(scores[0, 1, 2], 2 * distances, atol=3e-3, rtol=0)
    # Anchored at token 3: distances 1, √0.8, √0.4, 0.
    bias = _pointing_at(3, [-1.0])
    expected = -torch.tensor([1.0, 0.8**0.5, 0.4**0.5, 0.0])
    torch.testing.assert_close(
        bias(hidden, CONTEXT, POSITIONS).bias[0, 0, 0], expected, atol=1e-3, rtol=0
    )


def test_a_masked_token_is_never_the_anchor() -> None:
    bias = _pointing_at(0, [1.0])
    mask = torch.tensor([[False, True, True, True]])
    bias(torch.zeros(1, 1, 2), CONTEXT, POSITIONS, mask)
    # Token 0 masked: the anchor spreads over the other three equally.
    torch.testing.assert_close(bias.last_anchors[0, 0], POSITIONS[0, 1:].mean(0))


def test_a_new_bias_changes_nothing() -> None:
    torch.manual_seed(0)
    plain = CrossAttentionLayer(8, 2, context_dim=4)
    biased = CrossAttentionLayer(8, 2, context_dim=4, distance_bias=True)
    missing = biased.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert all(key.startswith("distance_bias.") for key in missing)
    hidden = torch.randn(2, 3, 8)
    context = torch.randn(2, 4, 4)
    positions = POSITIONS.expand(2, 4, 2)
    torch.testing.assert_close(
        biased(hidden, context, positions=positions).hidden, plain(hidden, context).hidden
    )


def test_closest_and_furthest_by_the_slope() -> None:
    """With content scores equal everywhere, a negative slope puts the most weight on the
    token nearest the anchor, a positive one on the farthest."""
    torch.manual_seed(0)
    layer = CrossAttentionLayer(2, 1, context_dim=4, distance_bias=True)
    with torch.no_grad():
        layer.attention.query.weight.zero_()
        layer.attention.query.bias.zero_()
    layer.distance_bias = _pointing_at(3, [-3.0])
    hidden = torch.zeros(1, 1, 2)
    weights = layer(hidden, CONTEXT, positions=POSITIONS, return_weights=True).attention
    assert weights[0, 0, 0].argsort(descending=True).tolist() == [3, 2, 1, 0]
    with torch.no_grad():
        layer.distance_bias.slope_bias.fill_(0.3)
    weights = layer(hidden, CONTEXT, positions=POSITIONS, return_weights=True).attention
    assert weights[0, 0, 0].argmax().item() == 0


def test_gradients_reach_the_anchor_and_the_slopes() -> None:
    torch.manual_seed(0)
    layer = CrossAttentionLayer(8, 2, context_dim=4, distance_bias=True)
    with torch.no_grad():
        layer.distance_bias.slope_bias.fill_(0.1)  # at zero the anchor gets no gradient
    hidden = torch.randn(2, 3, 8)
    context = torch.randn(2, 4, 4)
    layer(hidden, context, positions=POSITIONS.expand(2, 4, 2)).hidden.square().sum().backward()
    for name, parameter in layer.distance_bias.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def _question(batch: int = 2) -> EncoderOutput:
    return EncoderOutput(
        tokens=torch.randn(batch, 5, 8),
        mask=torch.ones(batch, 5, dtype=torch.bool),
        pooled=torch.randn(batch, 8),
    )


def test_the_fusion_reads_the_positions_the_encoder_gives() -> None:
    torch.manual_seed(0)
    fusion = CrossAttentionFusion({"question": 8, "image": 4}, 8, distance_bias=True)
    image = EncoderOutput(
        tokens=torch.randn(2, 4, 4),
        mask=torch.ones(2, 4, dtype=torch.bool),
        pooled=torch.randn(2, 4),
        positions=POSITIONS.expand(2, 4, 2),
    )
    assert fusion({"question": _question(), "image": image}).pooled.shape == (2, 8)
    unplaced = EncoderOutput(image.tokens, image.mask, image.pooled)
    with pytest.raises(
        ValueError, match=r"distance_bias=True, which needs the context tokens' positions"
    ):
        fusion({"question": _question(), "image": unplaced})
    # Gathering shared rows keeps positions row by row.
    moved = EncoderOutput(
        image.tokens,
        image.mask,
        image.pooled,
        POSITIONS.expand(2, 4, 2) * torch.tensor([[[1.0]], [[2.0]]]),
    )
    selected = moved.select(torch.tensor([1, 1, 0]))
    assert selected.positions is not None and selected.positions.shape == (3, 4, 2)
    torch.testing.assert_close(selected.positions[0], 2 * POSITIONS[0])
    torch.testing.assert_close(selected.positions[2], POSITIONS[0])


def test_a_mixture_of_heads_starts_at_the_mean_of_their_places() -> None:
    torch.manual_seed(0)
    layer = CrossAttentionLayer(8, 2, context_dim=4, distance_bias=True, anchor="mixture")
    assert layer.distance_bias.query is None
    hidden, context = torch.randn(2, 3, 8), torch.randn(2, 5, 4)
    positions = torch.rand(2, 5, 2) * 2 - 1
    weights = layer(hidden, context, positions=positions, return_weights=True)[1]
    # Slopes at zero: the attention is unbiased, and the anchor is the mean of its heads' places.
    expected = (weights @ positions[:, None]).mean(dim=1)
    torch.testing.assert_close(layer.distance_bias.last_anchors, expected)
    with pytest.raises(ValueError, match="needs the attention's head_scores"):
        layer.distance_bias(hidden, context, positions)


def test_the_sharpest_head_sets_the_anchor() -> None:
    bias = AnchorDistanceBias(dim=2, num_heads=3, context_dim=4, anchor="sharpest")
    # Query 0: head 1 is nearly all on token 3, the others spread. Query 1: head 2 on token 1.
    head_scores = torch.zeros(1, 3, 2, 4)
    head_scores[0, 1, 0, 3] = 20.0
    head_scores[0, 0, 0, 0] = 1.0
    head_scores[0, 2, 1, 1] = 20.0
    head_scores[0, 1, 1, 2] = 2.0
    bias(torch.zeros(1, 2, 2), CONTEXT, POSITIONS, head_scores=head_scores)
    torch.testing.assert_close(bias.last_anchors[0], POSITIONS[0, [3, 1]], atol=1e-6, rtol=0.0)
    with pytest.raises(ValueError, match="anchor must be one of"):
        AnchorDistanceBias(dim=2, num_heads=3, anchor="best")


def test_later_layers_measure_from_the_first_layers_anchor() -> None:
    torch.manual_seed(0)
    fusion = CrossAttentionFusion(
        {"text": 8, "image": 4},
        dim=8,
        query="text",
        context="image",
        num_layers=3,
        num_heads=2,
        dropout=0.0,
        distance_bias=True,
        anchor="sharpest",
        shared_anchor=True,
    )
    assert [layer.distance_bias.anchor for layer in fusion.layers] == ["sharpest", "given", "given"]
    text = EncoderOutput(torch.randn(2, 3, 8), torch.ones(2, 3, dtype=bool), torch.randn(2, 8))
    image = EncoderOutput(
        torch.randn(2, 5, 4),
        torch.ones(2, 5, dtype=bool),
        torch.randn(2, 4),
        positions=torch.rand(2, 5, 2),
    )
    fusion({"text": text, "image": image})
    first, *later = (layer.distance_bias.last_anchors for layer in fusion.layers)
    for anchors in later:
        assert torch.equal(anchors, first)
    with pytest.raises(ValueError, match="anchors are given exactly when"):
        fusion.layers[1].distance_bias(text.tokens, image.tokens, image.positions)
    for choice in ({"shared_anchor": True}, {"anchor": "sharpest"}):
        with pytest.raises(ValueError, match="they need distance_bias=True"):
            CrossAttentionFusion({"text": 8, "image": 4}, dim=8, query="text", **choice)


def test_given_anchors_are_measured_from_and_learn() -> None:
    bias = AnchorDistanceBias(dim=2, num_heads=1, context_dim=4, anchor="given")
    with torch.no_grad():
        bias.slope_bias.fill_(-0.1)  # β = −1
    anchors = POSITIONS[:, [3]].clone().requires_grad_()
    scores = bias(torch.zeros(1, 1, 2), CONTEXT, POSITIONS, anchors=anchors).bias
    expected = -torch.tensor([1.0, 0.8**0.5, 0.4**0.5, 0.0])
    torch.testing.assert_close(scores[0, 0, 0], expected, atol=1e-3, rtol=0)
    scores.sum().backward()
    assert anchors.grad is not None and anchors.grad.abs().sum() > 0
