"""MultitaskModel runs only what a batch's heads need; unimodal heads read one encoder."""

import pytest
import torch

from polymodal.data.batch import Padded
from polymodal.encoders import ConvImageEncoder, GRUTextEncoder
from polymodal.fusion import ConcatFusion
from polymodal.fusion.output import FusionOutput
from polymodal.heads import MLPHead
from polymodal.heads.unimodal import UnimodalHead
from polymodal.models.multitask import MultitaskModel


def build_model() -> MultitaskModel:
    torch.manual_seed(0)
    return MultitaskModel(
        encoders={
            "image": ConvImageEncoder(channels=[4, 8], dim=8),
            "question": GRUTextEncoder(vocab_size=20, embed_dim=4, dim=8),
        },
        fusion=ConcatFusion({"image": 8, "question": 8}, dim=16),
        heads={
            "answer": MLPHead(16, 5),
            "shape": UnimodalHead("image", MLPHead(8, 3)),
        },
    ).eval()


def batches():
    image = torch.rand(2, 3, 16, 16)
    question = Padded(
        torch.tensor([[3, 4, 5], [6, 7, 0]]), torch.tensor([[1, 1, 1], [1, 1, 0]]).bool()
    )
    return {"image": image, "question": question}, {"image": image}


def test_a_batch_runs_every_head_its_fields_allow():
    model = build_model()
    full, image_only = batches()
    output = model(full)
    assert set(output.logits) == {"answer", "shape"}
    assert output.logits["answer"].shape == (2, 5) and output.logits["shape"].shape == (2, 3)

    # Without a question, only the image-only head runs, and the fusion is skipped.
    alone = model(image_only)
    assert set(alone.logits) == {"shape"} and set(alone.encoded) == {"image"}
    assert alone.fused.pooled.shape == (2, 0)
    assert torch.allclose(alone.logits["shape"], output.logits["shape"])


def test_a_unimodal_head_reads_its_encoder_pooled_vector():
    model = build_model()
    full, _ = batches()
    output = model(full, heads=("shape",))
    assert set(output.logits) == {"shape"} and set(output.encoded) == {"image"}
    inner = model.heads["shape"].head
    expected = inner(FusionOutput(pooled=model.encoders["image"](full["image"]).pooled))
    assert torch.equal(output.logits["shape"], expected)


def test_missing_inputs_are_named():
    model = build_model()
    _, image_only = batches()
    with pytest.raises(KeyError, match="question"):
        model(image_only, heads=("answer",))
    assert model.head_inputs("answer") == ["image", "question"]
    assert model.head_inputs("shape") == ["image"]
    with pytest.raises(ValueError, match="audio"):
        MultitaskModel(
            {"image": ConvImageEncoder(channels=[4], dim=8)},
            torch.nn.Identity(),
            {"x": UnimodalHead("audio", MLPHead(8, 2))},
        )
