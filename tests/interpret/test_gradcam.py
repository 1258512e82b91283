"""Grad-CAM highlights the cells whose features raise the chosen answer."""

import pytest
import torch

from polymodal.data.batch import Batch, pad_sequences
from polymodal.encoders import ConvImageEncoder, GRUTextEncoder, ViTEncoder
from polymodal.fusion import ConcatFusion
from polymodal.heads import MLPHead
from polymodal.interpret import TokenGrid, cam_from_activations, default_layer, grad_cam
from polymodal.models import MultimodalModel
from tests.interpret.models import ColourCells, Identity, Only


def two_squares() -> torch.Tensor:
    """A 16×16 black image: a red 4×4 square in the top-left cell, a blue one bottom-right."""
    image = torch.zeros(1, 3, 16, 16)
    image[0, 0, 0:4, 0:4] = 1.0
    image[0, 2, 12:16, 12:16] = 1.0
    return image


def colour_model(cls: bool = False) -> MultimodalModel:
    # Logit 0 = total red, logit 1 = total blue.
    return MultimodalModel({"image": ColourCells(cls)}, Only("image"), {"answer": Identity()})


@pytest.mark.parametrize("cls", [False, True], ids=["cnn-feature-map", "tokens-with-cls"])
def test_gradcam_highlights_the_region_that_sets_the_answer(cls):
    model = colour_model(cls).eval()
    batch = Batch(image=two_squares())
    red = grad_cam(model, batch, target=0)
    blue = grad_cam(model, batch, target=1)
    assert red.shape == blue.shape == (1, 4, 4)
    # d(total red)/d(red of a cell) = 1 for every cell, so α_red = 1 and the map is the red
    # channel itself: 1 in the top-left cell, 0 elsewhere; symmetrically for blue.
    expected_red = torch.zeros(4, 4)
    expected_red[0, 0] = 1.0
    torch.testing.assert_close(red[0], expected_red)
    torch.testing.assert_close(blue[0], expected_red.flip(0, 1))


def test_gradcam_explains_the_predicted_answer_by_default():
    model = colour_model().eval()
    image = two_squares()
    image[0, 0, 4:8, 0:4] = 1.0  # more red than blue: the model answers class 0
    cam = grad_cam(model, Batch(image=image))
    assert cam[0, 0, 0] > 0 and cam[0, 1, 0] > 0 and cam[0, 3, 3] == 0


def test_gradcam_leaves_parameter_gradients_alone_and_works_frozen():
    model = build(ConvImageEncoder([4, 8], dim=8)).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    cam = grad_cam(model, batch_of(torch.randn(2, 3, 16, 16)), target=1)
    assert cam.shape == (2, 4, 4) and torch.isfinite(cam).all() and (cam >= 0).all()
    assert cam.sum() > 0
    assert all(p.grad is None for p in model.parameters())


def build(image_encoder: torch.nn.Module) -> MultimodalModel:
    torch.manual_seed(0)
    return MultimodalModel(
        {"image": image_encoder, "question": GRUTextEncoder(vocab_size=10, dim=8, embed_dim=4)},
        ConcatFusion({"image": 8, "question": 8}, dim=8),
        {"answer": MLPHead(8, 5)},
    )


def batch_of(images: torch.Tensor) -> Batch:
    questions = [torch.tensor([2, 3, 4])] * images.shape[0]
    return Batch(image=images, question=pad_sequences(questions))


def test_gradcam_on_conv_encoder_reads_its_last_feature_map():
    encoder = ConvImageEncoder([4, 8], dim=8)
    assert default_layer(encoder) == (encoder.blocks, False)
    cam = grad_cam(build(encoder).eval(), batch_of(torch.randn(2, 3, 32, 24)), target=0)
    assert cam.shape == (2, 8, 6)  # two halvings of 32×24


def test_gradcam_on_vit_reads_the_last_layers_patch_tokens():
    encoder = ViTEncoder(image_size=16, patch_size=4, dim=8, num_layers=2, num_heads=2)
    layer, use_input = default_layer(encoder)
    assert layer is encoder.encoder.layers[-1] and use_input
    cam = grad_cam(build(encoder).eval(), batch_of(torch.randn(3, 3, 16, 16)), target=2)
    assert cam.shape == (3, 4, 4) and (cam >= 0).all()
    # The CLS-pooled output depends on the patches through the last layer's attention.
    assert (cam.flatten(1).sum(dim=1) > 0).all()


def test_cam_from_tokens_drops_the_prefix():
    activations = torch.zeros(1, 5, 2)
    activations[0, 0] = 100.0  # CLS: ignored
    activations[0, 3] = torch.tensor([2.0, 0.0])
    gradients = torch.ones(1, 5, 2)
    cam = cam_from_activations(activations, gradients, TokenGrid(2, 2, prefix=1))
    torch.testing.assert_close(cam, torch.tensor([[[0.0, 0.0], [2.0, 0.0]]]))
    with pytest.raises(ValueError, match="grid"):
        cam_from_activations(activations, gradients)


def test_gradcam_names_a_missing_encoder():
    with pytest.raises(ValueError, match="no encoder for 'photo'"):
        grad_cam(colour_model(), Batch(image=two_squares()), modality="photo")
