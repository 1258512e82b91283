"""The classic example models from tiny random Hugging Face folders: they train, save, reload
and predict identically; the VQA model's answer depends on the question."""

import pytest
import torch
from safetensors.torch import save_model
from tests.hf_tiny import tiny_bert, tiny_vit

from polymodal.data.batch import Batch, collate
from polymodal.data.hf_tokenizer import HFTokenizer
from polymodal.data.transforms.hf_image import HFImageProcessor
from polymodal.encoders import ConvImageEncoder, GRUTextEncoder
from polymodal.models.classic import MultimodalSentimentClassifier, VisualQuestionAnsweringModel
from polymodal.training.checkpoint import load_weights

pytest.importorskip("transformers")

TEXTS = ["what is the red shape?", "is there a blue circle?", "what color", "not a square"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return str(tiny_bert(root / "bert")), str(tiny_vit(root / "vit"))


def _batch(folders, texts, images, text_field):
    tokenizer, processor = HFTokenizer(folders[0]), HFImageProcessor(folders[1])
    batch = collate([{text_field: tokenizer(text)} for text in texts])
    batch["image"] = processor(images)
    return batch


def _train(model, batch, head, targets, steps):
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(batch).logits[head], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


@pytest.mark.parametrize("kind", ["sentiment", "vqa"])
def test_train_save_reload_predict_identically(folders, tmp_path, kind):
    torch.manual_seed(0)
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    if kind == "sentiment":
        build = lambda: MultimodalSentimentClassifier(folders[0], folders[1], num_classes=3)  # noqa: E731
        batch, head = _batch(folders, TEXTS, images, "text"), "label"
    else:
        build = lambda: VisualQuestionAnsweringModel(folders[1], folders[0], 3, dim=16)  # noqa: E731
        batch, head = _batch(folders, TEXTS, images, "question"), "answer"
    model = build()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    targets = torch.tensor([0, 1, 2, 1])
    with torch.no_grad():
        first = float(torch.nn.functional.cross_entropy(model(batch).logits[head], targets))
    last = _train(model, batch, head, targets, steps=5)
    assert last < first  # it learns
    # The pretrained towers trained too (nothing frozen unless asked).
    cls_token = "encoders.image.model.embeddings.cls_token"
    assert not torch.equal(before[cls_token], model.get_parameter(cls_token))
    save_model(model, str(tmp_path / "model.safetensors"))
    model.eval()
    with torch.no_grad():
        expected = model(batch).logits[head]
    reloaded = build()  # the folders' original weights, then the checkpoint over them
    load_weights(reloaded, tmp_path)
    with torch.no_grad():
        got = reloaded.eval()(batch).logits[head]
    assert torch.equal(got, expected)
    assert expected.shape == (4, 3)


def test_the_answer_depends_on_the_question(folders):
    """One image, two questions with different answers: only a model that reads the question
    can get both right."""
    torch.manual_seed(0)
    image = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    questions = ["what is the shape?", "what is the color?"]
    batch = _batch(folders, questions, torch.stack([image, image]), "question")
    model = VisualQuestionAnsweringModel(folders[1], folders[0], num_answers=4, dim=16)
    _train(model, batch, "answer", torch.tensor([2, 3]), steps=40)
    with torch.no_grad():
        answers = model.eval()(batch).logits["answer"].argmax(-1)
    assert answers.tolist() == [2, 3]


def test_shared_images_are_encoded_once_and_gathered(folders):
    torch.manual_seed(0)
    image = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    model = VisualQuestionAnsweringModel(folders[1], folders[0], num_answers=4, dim=16).eval()
    full = _batch(folders, TEXTS[:3], image[[0, 1, 0]], "question")
    shared = Batch(full)
    shared["image"] = full["image"][:2]
    shared["image_index"] = torch.tensor([0, 1, 0])
    with torch.no_grad():
        torch.testing.assert_close(model(shared).logits["answer"], model(full).logits["answer"])


def test_our_own_encoders_plug_in_interchangeably():
    torch.manual_seed(0)
    image_encoder = ConvImageEncoder([4, 8], dim=8)
    text_encoder = GRUTextEncoder(vocab_size=12, dim=6, embed_dim=4)
    model = VisualQuestionAnsweringModel(image_encoder, text_encoder, num_answers=5, dim=16)
    batch = collate([{"question": [2, 3, 4]}, {"question": [5]}])
    batch["image"] = torch.randn(2, 3, 16, 16)
    assert model(batch).logits["answer"].shape == (2, 5)
    classifier = MultimodalSentimentClassifier(text_encoder, image_encoder, num_classes=2)
    batch["text"] = batch.pop("question")
    assert classifier(batch).logits["label"].shape == (2, 2)
    assert classifier.classifier.in_features == 6 + 8


def test_an_encoder_without_a_width_is_named():
    with pytest.raises(ValueError, match="text_model_name: Identity has no integer output_dim"):
        MultimodalSentimentClassifier(torch.nn.Identity(), ConvImageEncoder([4], dim=8), 2)
