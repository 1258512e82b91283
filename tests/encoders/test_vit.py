"""The ViT image encoder: parity with transformers.ViTModel (a randomly initialised
checkpoint saved to a temporary folder), and its checks."""

import pytest
import torch
from safetensors.torch import load_file, save_file

from polymodal.encoders import ViTEncoder
from polymodal.errors import CheckpointError

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vit")
    config = transformers.ViTConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        image_size=32, patch_size=8,
    )  # fmt: skip
    torch.manual_seed(0)
    reference = transformers.ViTModel(config).eval()
    reference.save_pretrained(folder)
    return folder, reference


def test_hidden_states_match_transformers(checkpoint):
    folder, reference = checkpoint
    ours = ViTEncoder.from_pretrained(folder, pooling="pooler").eval()
    image = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        expected = reference(pixel_values=image)
        got = ours(image)
    assert got.tokens.shape == (3, 1 + 16, 32) and got.mask.all()
    assert (got.tokens - expected.last_hidden_state).abs().max() <= 1e-5
    assert (got.pooled - expected.pooler_output).abs().max() <= 1e-5


def test_other_image_sizes_match_transformers_interpolation(checkpoint):
    folder, reference = checkpoint
    ours = ViTEncoder.from_pretrained(folder).eval()
    image = torch.randn(2, 3, 48, 64)
    with torch.no_grad():
        expected = reference(pixel_values=image, interpolate_pos_encoding=True)
        got = ours(image)
    assert got.tokens.shape == (2, 1 + 6 * 8, 32)
    assert (got.tokens - expected.last_hidden_state).abs().max() <= 1e-5
    torch.testing.assert_close(got.pooled, got.tokens[:, 0])  # pooling="cls"


def test_keys_that_do_not_map_are_named(checkpoint, tmp_path):
    folder, _ = checkpoint
    state = load_file(folder / "model.safetensors")
    state["embeddings.mask_token"] = torch.zeros(1, 1, 32)
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    save_file(state, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"unexpected key\(s\).*embeddings\.mask_token"):
        ViTEncoder.from_pretrained(tmp_path)


def test_image_size_must_be_divisible_by_the_patch_size():
    with pytest.raises(ValueError, match=r"image size 30×30 is not divisible by the patch size 4"):
        ViTEncoder(image_size=30, patch_size=4, dim=8, num_layers=1, num_heads=2)
    encoder = ViTEncoder(image_size=32, patch_size=4, dim=8, num_layers=1, num_heads=2)
    with pytest.raises(ValueError, match=r"image size 32×30 is not divisible by the patch size 4"):
        encoder(torch.randn(1, 3, 32, 30))


def test_embedding_only_encoder_and_pooling():
    torch.manual_seed(0)
    encoder = ViTEncoder(
        image_size=8, patch_size=4, dim=8, num_layers=0, final_norm=False, pooling="mean"
    )
    image = torch.randn(2, 3, 8, 8)
    output = encoder(image)
    patches = encoder.patch_embedding(image)
    expected = (
        torch.cat([encoder.cls_token.expand(2, -1, -1), patches], 1) + encoder.position.weight
    )
    torch.testing.assert_close(output.tokens, expected)
    torch.testing.assert_close(output.pooled, expected[:, 1:].mean(1))
