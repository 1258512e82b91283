"""Feature caches: what is stored is what the encoder computes (pooled and token features),
the cached encoder gives it back as an EncoderOutput, and a stale cache is refused."""

import json

import pytest
import torch
from tests.hf_tiny import tiny_bert, tiny_vit

from polymodal.data.batch import collate
from polymodal.data.feature_cache import (
    CachedEncoder,
    CachedFieldsDataset,
    FeatureCache,
    FeatureCacheSettings,
    extract_features,
    with_cached_encoders,
)
from polymodal.data.hf_tokenizer import HFTokenizer
from polymodal.encoders.hf import HFTextEncoder
from polymodal.errors import DataError
from polymodal.models.classic import VisualQuestionAnsweringModel

pytest.importorskip("transformers")

QUESTIONS = ["what is the red shape?", "is there a blue circle?", "what color", "not a square ?"]


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    return str(tiny_bert(tmp_path_factory.mktemp("bert")))


@pytest.mark.parametrize("store", ["pooled", "tokens"])
def test_cached_features_are_what_the_encoder_computes(bert, tmp_path, store):
    tokenizer, encoder = HFTokenizer(bert), HFTextEncoder(bert, pooling="mean")
    settings = FeatureCacheSettings(fields=("question",), store=store, shard_size=3, batch_size=2)
    index = extract_features(
        encoder, QUESTIONS, tokenizer, None, tmp_path, settings, {"hash": "h"}, torch.device("cpu")
    )
    assert [s["count"] for s in index["shards"]] == [3, 1] and index["dim"] == 16
    cache = FeatureCache(tmp_path, "h", 4, "rebuild")
    features = collate([{"q": cache[i]} for i in range(4)])["q"]
    with torch.no_grad():
        live = encoder.eval()(collate([{"q": tokenizer(q)} for q in QUESTIONS])["q"])
    cached = CachedEncoder()(features)
    torch.testing.assert_close(cached.pooled, live.pooled, rtol=0, atol=1e-6)
    if store == "tokens":
        assert torch.equal(cached.mask, live.mask)  # lengths survive padding per shard
        torch.testing.assert_close(
            cached.tokens[cached.mask], live.tokens[live.mask], rtol=0, atol=1e-6
        )
    else:
        assert cached.tokens.shape == (4, 1, 16)


def test_stale_missing_and_mismatched_caches_are_refused(bert, tmp_path):
    settings = FeatureCacheSettings(fields=("question",))
    extract_features(
        HFTextEncoder(bert), QUESTIONS, HFTokenizer(bert), None, tmp_path, settings,
        {"hash": "abc123"}, torch.device("cpu"),
    )  # fmt: skip
    with pytest.raises(DataError, match=r"stale feature cache.*rebuild it with `make it`"):
        FeatureCache(tmp_path, "def456", 4, "make it")
    with pytest.raises(DataError, match="holds 4 samples but the dataset has 5"):
        FeatureCache(tmp_path, "abc123", 5, "make it")
    with pytest.raises(DataError, match=r"index\.json: no feature cache here; build it with"):
        FeatureCache(tmp_path / "elsewhere", "abc123", 4, "make it")
    (tmp_path / "shard-00000.safetensors").unlink()
    with pytest.raises(DataError, match="missing shard"):
        FeatureCache(tmp_path, "abc123", 4, "make it")
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["count"] == 4 and index["store"] == "pooled"


def test_the_hash_follows_weights_and_settings(bert):
    from omegaconf import OmegaConf

    from polymodal.data.feature_cache import cache_hash

    config = OmegaConf.create({"model": {"text_model_name": bert}, "data": {"train": {"a": 1}}})
    encoder = HFTextEncoder(bert, pooling="mean")
    first = cache_hash(config, encoder, "train", "question")
    assert cache_hash(config, encoder, "train", "question") == first
    encoder.pooling = "cls"  # no weight changes, the features do
    assert cache_hash(config, encoder, "train", "question") != first
    encoder.pooling = "mean"
    with torch.no_grad():
        encoder.model.pooler.dense.bias[0] += 1e-3
    assert cache_hash(config, encoder, "train", "question") != first
    other_data = OmegaConf.create({"model": {"text_model_name": bert}, "data": {"train": {"a": 2}}})
    assert cache_hash(other_data, HFTextEncoder(bert, pooling="mean"), "train", "question") != first


def test_the_model_view_shares_every_trained_parameter(bert, tmp_path_factory):
    vit = str(tiny_vit(tmp_path_factory.mktemp("vit")))
    model = VisualQuestionAnsweringModel(vit, bert, num_answers=3, dim=8, text_pooling="mean")
    view = with_cached_encoders(model, ("question",))
    assert isinstance(view.encoders["question"], CachedEncoder)
    assert model.encoders["question"].__class__ is HFTextEncoder  # the model stays whole
    shared = {id(p) for p in view.parameters()}
    trained = [p for n, p in model.named_parameters() if not n.startswith("encoders.question.")]
    assert all(id(p) in shared for p in trained)
    assert len(shared) == len(trained)


def test_cached_dataset_keeps_the_raw_text():
    class Questions(torch.utils.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return {"question": QUESTIONS[index], "id": index}

    class Fixed:
        def __getitem__(self, index):
            return torch.full((3,), float(index))

    dataset = CachedFieldsDataset(Questions(), {"question": Fixed()})
    sample = dataset[1]
    assert sample["question_raw"] == QUESTIONS[1] and torch.equal(sample["question"], torch.ones(3))
