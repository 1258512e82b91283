import pytest
import torch

from polymodal.data.batch import Batch, pad_sequences
from polymodal.encoders import ConvImageEncoder, GRUTextEncoder
from polymodal.fusion import ProductFusion
from polymodal.heads import MLPHead
from polymodal.models import MultimodalModel


def build():
    torch.manual_seed(0)
    return MultimodalModel(
        encoders={
            "image": ConvImageEncoder([4, 8], dim=8),
            "question": GRUTextEncoder(vocab_size=12, dim=8, embed_dim=4),
        },
        fusion=ProductFusion({"image": 8, "question": 8}, dim=8),
        heads={"answer": MLPHead(8, 5, hidden_dims=[8])},
    )


def test_forward_returns_every_stage():
    model = build().eval()
    batch = Batch(
        image=torch.randn(2, 3, 16, 16),
        question=pad_sequences([torch.tensor([2, 3]), torch.tensor([4])]),
    )
    out = model(batch)
    assert out.logits["answer"].shape == (2, 5)
    assert set(out.encoded) == {"image", "question"}
    assert out.fused.pooled.shape == (2, 8)


def test_prediction_depends_on_the_question():
    model = build().eval()
    image = torch.randn(1, 3, 16, 16)
    first = model(Batch(image=image, question=pad_sequences([torch.tensor([2, 3])])))
    second = model(Batch(image=image, question=pad_sequences([torch.tensor([7, 9])])))
    assert not torch.allclose(first.logits["answer"], second.logits["answer"])


def test_missing_modality_is_named():
    with pytest.raises(KeyError, match=r"modalities \['question'\]"):
        build()(Batch(image=torch.randn(1, 3, 16, 16)))


def test_gradients_reach_every_parameter():
    model = build()
    batch = Batch(
        image=torch.randn(2, 3, 16, 16),
        question=pad_sequences([torch.tensor([2, 3]), torch.tensor([4])]),
    )
    model(batch).logits["answer"].sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_shared_image_rows_encode_like_repeated_images():
    model = build().eval()
    images = torch.randn(2, 3, 16, 16)
    question = pad_sequences([torch.tensor([2, 3]), torch.tensor([4]), torch.tensor([5, 6])])
    index = torch.tensor([1, 0, 1])
    shared = model(Batch(image=images, image_index=index, question=question))
    repeated = model(Batch(image=images[index], question=question))
    torch.testing.assert_close(shared.logits["answer"], repeated.logits["answer"])
