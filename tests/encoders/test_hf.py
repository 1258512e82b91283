"""Hugging Face adapters: encoders, tokenizer and image preprocessor from local folders, their
parity with transformers, and the errors for missing or incomplete folders."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file
from tests.hf_tiny import tiny_bert, tiny_vit

from polymodal.data.batch import Padded, collate
from polymodal.data.hf_tokenizer import HFTokenizer
from polymodal.data.transforms.hf_image import HFImageProcessor
from polymodal.encoders import BertTextEncoder
from polymodal.encoders.hf import HFImageEncoder, HFTextEncoder
from polymodal.encoders.hf_folders import MINILM, resolve_model_path
from polymodal.errors import CheckpointError

transformers = pytest.importorskip("transformers")

QUESTIONS = ["what is the red shape?", "is there a blue circle in the image?", "what color"]


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("bert"))


@pytest.fixture(scope="module")
def vit_folder(tmp_path_factory):
    return tiny_vit(tmp_path_factory.mktemp("vit"))


def _batch(tokenizer, texts):
    return collate([{"text": tokenizer(text)} for text in texts])["text"]


@pytest.mark.parametrize("pooling", ["cls", "pooler", "mean"])
def test_text_encoder_matches_bert_model(bert_folder, pooling):
    tokenizer = HFTokenizer(str(bert_folder))
    ids = _batch(tokenizer, QUESTIONS)
    assert not ids.mask.all()  # the batch has padding
    encoder = HFTextEncoder(str(bert_folder), pooling=pooling).eval()
    reference = transformers.BertModel.from_pretrained(str(bert_folder)).eval()
    with torch.no_grad():
        got = encoder(ids)
        expected = reference(input_ids=ids.values, attention_mask=ids.mask.long())
    hidden = expected.last_hidden_state
    torch.testing.assert_close(got.tokens, hidden)
    assert torch.equal(got.mask, ids.mask)
    if pooling == "cls":
        wanted = hidden[:, 0]
    elif pooling == "pooler":
        wanted = expected.pooler_output
    else:  # mean over real tokens only: the padded row must not average its padding in
        weights = ids.mask.unsqueeze(-1).float()
        wanted = (hidden * weights).sum(1) / weights.sum(1)
    torch.testing.assert_close(got.pooled, wanted)
    assert encoder.output_dim == 16


def test_minilm_adapter_equals_our_bert_encoder():
    tokenizer = HFTokenizer(MINILM, max_length=16)
    ids = _batch(tokenizer, QUESTIONS)
    assert ids.values[0, 0] == 101 and tokenizer.vocab_size == 30522  # MiniLM's WordPiece
    adapter = HFTextEncoder(MINILM, pooling="mean").eval()
    ours = BertTextEncoder.from_pretrained(resolve_model_path(MINILM), pooling="mean").eval()
    with torch.no_grad():
        got, expected = adapter(ids), ours(ids)
    assert got.pooled.shape == (3, 384)
    assert (got.pooled - expected.pooled).abs().max() <= 1e-5


def test_tokenizer_truncates_keeping_the_special_tokens(bert_folder):
    tokenizer = HFTokenizer(str(bert_folder), max_length=4)
    ids = tokenizer("is there a blue circle")
    assert len(ids) == 4 and ids[0] == 2 and ids[-1] == 3  # [CLS] ... [SEP]


def test_image_encoder_matches_vit_model(vit_folder):
    torch.manual_seed(0)
    images = torch.randn(2, 3, 16, 16)
    encoder = HFImageEncoder(str(vit_folder)).eval()
    reference = transformers.ViTModel.from_pretrained(str(vit_folder)).eval()
    with torch.no_grad():
        got, expected = encoder(images), reference(pixel_values=images)
    assert got.tokens.shape == (2, 5, 16)  # CLS + 2×2 patches
    torch.testing.assert_close(got.tokens, expected.last_hidden_state)
    torch.testing.assert_close(got.pooled, expected.pooler_output)
    assert bool(got.mask.all())
    with torch.no_grad():
        cls = HFImageEncoder(str(vit_folder), pooling="cls").eval()(images).pooled
    torch.testing.assert_close(cls, expected.last_hidden_state[:, 0])


def test_image_processor_matches_transformers_without_resizing(vit_folder):
    processor = HFImageProcessor(str(vit_folder))
    reference = transformers.ViTImageProcessor.from_pretrained(str(vit_folder))
    image = torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8)
    expected = reference(image.numpy(), return_tensors="pt", input_data_format="channels_first")
    got = processor(image)
    torch.testing.assert_close(got, expected["pixel_values"][0], rtol=0, atol=1e-5)
    # One batch of several images on the device gives the same as each alone.
    torch.testing.assert_close(processor(torch.stack([image, image]))[1], got)


def test_image_processor_resizes_close_to_pil(vit_folder):
    processor = HFImageProcessor(str(vit_folder))
    reference = transformers.ViTImageProcessor.from_pretrained(str(vit_folder))
    torch.manual_seed(0)
    smooth = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8) * 255, size=64, mode="bilinear")
    image = smooth[0].round().to(torch.uint8)
    expected = reference(image.numpy(), return_tensors="pt", input_data_format="channels_first")
    got = processor(image)
    assert got.shape == (3, 16, 16)
    # Different bilinear filters (ours vs PIL's): close, but not bit-identical.
    assert (got - expected["pixel_values"][0]).abs().mean() < 0.05


def test_shortest_edge_resize_then_centre_crop(tmp_path):
    config = {
        "do_resize": True, "size": {"shortest_edge": 20}, "do_center_crop": True,
        "crop_size": {"height": 16, "width": 16}, "do_rescale": True,
        "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
    }  # fmt: skip
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(config))
    processor = HFImageProcessor(str(tmp_path))
    image = torch.zeros(3, 40, 60, dtype=torch.uint8)
    image[:, :, 30:] = 255  # right half white: after 40×60 → 20×30 and a centre crop of 16
    out = processor(image)
    assert out.shape == (3, 16, 16) and processor.output_size(40, 60) == (16, 16)
    assert processor._resized_size(40, 60) == (20, 30)
    # Columns 7..22 of the 30-wide image: left half -1 (black), right half +1 (white).
    assert torch.allclose(out[:, :, :7], torch.tensor(-1.0))
    assert torch.allclose(out[:, :, 9:], torch.tensor(1.0))


def test_missing_folder_names_the_path_and_the_files(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(CheckpointError, match=r"no-such-model: no such folder.*config\.json"):
        HFTextEncoder(str(missing))


def test_incomplete_folders_name_what_is_missing(tmp_path, bert_folder, vit_folder):
    (tmp_path / "config.json").write_text((bert_folder / "config.json").read_text())
    with pytest.raises(CheckpointError, match=r"missing model\.safetensors or .*pytorch_model"):
        HFTextEncoder(str(tmp_path))
    with pytest.raises(CheckpointError, match=r"tokenizer: missing tokenizer\.json or vocab\.txt"):
        HFTokenizer(str(tmp_path))
    with pytest.raises(CheckpointError, match=r"missing preprocessor_config\.json"):
        HFImageProcessor(str(bert_folder))
    with pytest.raises(CheckpointError, match="package 'no_such_package_xyz' is not installed"):
        HFTokenizer("package:no_such_package_xyz")


def test_a_checkpoint_lacking_weights_is_refused(tmp_path, bert_folder):
    for name in ("config.json", "vocab.txt"):
        (tmp_path / name).write_text((bert_folder / name).read_text())
    state = load_file(bert_folder / "model.safetensors")
    del state["encoder.layer.1.output.dense.weight"]
    save_file(state, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"lacks 1 weight.*encoder\.layer\.1\.output\.dense"):
        HFTextEncoder(str(tmp_path))


def test_unknown_pooling_is_refused(bert_folder):
    with pytest.raises(ValueError, match="pooling must be one of"):
        HFTextEncoder(str(bert_folder), pooling="max")


def test_raw_ids_without_padding(bert_folder):
    encoder = HFTextEncoder(str(bert_folder)).eval()
    ids = torch.tensor([[2, 5, 6, 3]])
    with torch.no_grad():
        plain, padded = encoder(ids), encoder(Padded(ids, torch.ones_like(ids, dtype=torch.bool)))
    torch.testing.assert_close(plain.pooled, padded.pooled)


def test_a_convolutional_model_gives_one_token_per_feature_map_cell(tmp_path):
    config = transformers.ResNetConfig(
        num_channels=3, embedding_size=8, hidden_sizes=[8, 12], depths=[1, 1], layer_type="basic"
    )
    torch.manual_seed(0)
    reference = transformers.ResNetModel(config).eval()
    reference.save_pretrained(tmp_path)
    encoder = HFImageEncoder(str(tmp_path)).eval()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        got, expected = encoder(images), reference(pixel_values=images)
    feature_map = expected.last_hidden_state  # (B, C, h, w)
    assert encoder.output_dim == 12 and got.tokens.shape == (2, feature_map.shape[2] ** 2, 12)
    torch.testing.assert_close(got.tokens[:, 0], feature_map[:, :, 0, 0])
    torch.testing.assert_close(got.pooled, expected.pooler_output.flatten(1))  # global average
