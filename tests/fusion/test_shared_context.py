"""A context shared between samples (one image, several questions) is projected once per
image by cross-attention, and gives what gathering it per sample first gives."""

import pytest
import torch

from polymodal.data.batch import Padded
from polymodal.encoders import BagOfWordsEncoder, ConvImageEncoder
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion import ConcatFusion, CrossAttentionFusion
from polymodal.heads import MLPHead
from polymodal.models.multimodal import MultimodalModel

WIDTHS = {"text": 6, "image": 5}


def encoded_pair(padded_context: bool):
    """Questions (4 samples) and images (2 distinct), with image 0 shared by samples 0, 1, 3."""
    generator = torch.Generator().manual_seed(0)
    text = EncoderOutput(
        tokens=torch.randn(4, 3, 6, generator=generator),
        mask=torch.tensor([[True, True, False]] * 2 + [[True, True, True]] * 2),
        pooled=torch.randn(4, 6, generator=generator),
    )
    image_mask = torch.ones(2, 7, dtype=torch.bool)
    if padded_context:
        image_mask[1, 5:] = False
    image = EncoderOutput(
        tokens=torch.randn(2, 7, 5, generator=generator, requires_grad=True),
        mask=image_mask,
        pooled=torch.randn(2, 5, generator=generator),
        positions=torch.rand(2, 7, 2, generator=generator) * 2 - 1,
    )
    return text, image, torch.tensor([0, 0, 1, 0])


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("padded_context", [False, True])
@pytest.mark.parametrize(
    ("anchor", "shared_anchor"), [("head", False), ("mixture", False), ("sharpest", True)]
)
def test_shared_context_gives_what_a_gathered_one_gives(
    norm_first, padded_context, anchor, shared_anchor
):
    torch.manual_seed(0)
    fusion = CrossAttentionFusion(
        WIDTHS,
        dim=8,
        query="text",
        context="image",
        num_heads=2,
        dropout=0.0,
        norm_first=norm_first,
        distance_bias=True,
        anchor=anchor,
        shared_anchor=shared_anchor,
        return_attentions=True,
    )
    with torch.no_grad():  # slopes start at zero: give the distance bias something to do
        for layer in fusion.layers:
            layer.distance_bias.slope_weight.normal_()
    text, image, index = encoded_pair(padded_context)

    results = []
    for image_view in (image.shared(index), image.select(index)):
        output = fusion({"text": text, "image": image_view})
        fusion.zero_grad()
        image.tokens.grad = None
        (output.pooled.square().sum() + output.tokens.sum()).backward()
        gradients = {n: p.grad.clone() for n, p in fusion.named_parameters()}
        results.append((output, gradients, image.tokens.grad.clone()))

    (shared, shared_grads, shared_input_grad), (gathered, gathered_grads, gathered_input_grad) = (
        results
    )
    torch.testing.assert_close(shared.pooled, gathered.pooled)
    torch.testing.assert_close(shared.tokens, gathered.tokens)
    for name, weights in gathered.attentions.items():
        torch.testing.assert_close(shared.attentions[name], weights)
    # Gradients summed in another order: equal to float32 rounding.
    for name, gradient in gathered_grads.items():
        torch.testing.assert_close(shared_grads[name], gradient, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(shared_input_grad, gathered_input_grad, rtol=1e-4, atol=1e-4)
    assert image.shared(index).gathered().tokens.shape == (4, 7, 5)


def test_the_model_leaves_a_shared_field_shared_only_for_a_fusion_that_gathers_it():
    encoders = {
        "question": BagOfWordsEncoder(vocab_size=10, dim=8),
        "image": ConvImageEncoder(channels=[4], dim=8, cell_coordinates=True),
    }
    batch = {
        "question": Padded(
            torch.tensor([[1, 2], [3, 4], [5, 0]]), torch.tensor([[1, 1], [1, 1], [1, 0]]).bool()
        ),
        "image": torch.randn(2, 3, 16, 16),
        "image_index": torch.tensor([1, 0, 1]),
    }
    widths = {"question": 8, "image": 8}
    cross = CrossAttentionFusion(widths, dim=8, num_heads=2)
    gathered_first = CrossAttentionFusion(widths, dim=8, num_heads=2, gathers_shared_rows=False)
    concat = ConcatFusion(widths, dim=8)
    for fusion, rows in ((cross, [1, 0, 1]), (gathered_first, None), (concat, None)):
        model = MultimodalModel(encoders, fusion, {"answer": MLPHead(fusion.output_dim, 3)})
        image = model.encode(batch)["image"]
        assert (image.rows.tolist() if image.rows is not None else None) == rows
        assert image.gathered().tokens.shape[0] == 3
        assert model(batch).logits["answer"].shape == (3, 3)
