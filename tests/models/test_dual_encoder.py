"""The CLIP-style dual encoder."""

from __future__ import annotations

import math

import pytest
import torch
from tests.vl_models import pair_batch, tiny_dual_encoder

from polymodal.encoders import ViTEncoder
from polymodal.models.dual_encoder import MAX_LOGIT_SCALE, DualEncoder


def test_embeddings_are_unit_vectors_in_the_joint_space() -> None:
    model = tiny_dual_encoder()
    output = model(pair_batch())
    assert output.image_embeddings.shape == (3, 6) == output.text_embeddings.shape
    torch.testing.assert_close(output.image_embeddings.norm(dim=1), torch.ones(3))
    torch.testing.assert_close(output.text_embeddings.norm(dim=1), torch.ones(3))
    assert output.logit_scale.item() == pytest.approx(1 / 0.07, rel=1e-5)
    assert set(output.encoded) == {"image", "caption"}


def test_one_tower_at_a_time_gives_the_same_embeddings() -> None:
    model = tiny_dual_encoder().eval()
    batch = pair_batch()
    together = model(batch)
    torch.testing.assert_close(model.encode_image(batch["image"]), together.image_embeddings)
    torch.testing.assert_close(model.encode_text(batch["caption"]), together.text_embeddings)


def test_temperature_is_learned_or_fixed_and_clamped() -> None:
    assert tiny_dual_encoder().logit_scale.requires_grad
    assert not tiny_dual_encoder(learn_temperature=False).logit_scale.requires_grad
    model = tiny_dual_encoder()
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1e4))
    assert model.scale().item() == MAX_LOGIT_SCALE


def test_parameter_names_follow_the_multimodal_model() -> None:
    names = {
        name.split(".")[0] + "." + name.split(".")[1]
        for name, _ in tiny_dual_encoder().named_parameters()
        if "." in name
    }
    assert {"encoders.image", "encoders.caption", "projections.image"} <= names


def test_bad_arguments() -> None:
    image = ViTEncoder(image_size=8, patch_size=4, dim=16, num_layers=1, num_heads=2)
    with pytest.raises(ValueError, match="different fields"):
        DualEncoder(image, image, text="image")
    with pytest.raises(ValueError, match="output_dim"):
        DualEncoder(image, torch.nn.Identity())
    with pytest.raises(KeyError, match="caption"):
        tiny_dual_encoder()({"image": torch.randn(1, 3, 8, 8)})
