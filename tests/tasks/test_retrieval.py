"""Retrieval as a task (loss, whole-split recall@K) and zero-shot classification."""

from __future__ import annotations

import pytest
import torch
from tests.vl_models import pair_batch, tiny_dual_encoder
from torch import nn

from polymodal.data.batch import Batch, Padded
from polymodal.encoders.output import EncoderOutput
from polymodal.models.dual_encoder import DualEncoder, DualEncoderOutput
from polymodal.tasks.retrieval import RetrievalTask, class_embeddings, zero_shot_classify

WORDS = {"[PAD]": 0, "a": 1, "red": 2, "green": 3, "blue": 4, "photo": 5, "of": 6}


class MeanColour(nn.Module):
    """Pooled vector = the image's mean RGB: a hand-built image tower."""

    output_dim = 3

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        pooled = image.mean(dim=(2, 3))
        return EncoderOutput(
            pooled.unsqueeze(1), torch.ones(len(image), 1, dtype=torch.bool), pooled
        )


class ColourWords(nn.Module):
    """Pooled vector = the sum of fixed word vectors: colour words point along their RGB axis,
    every other word is zero."""

    output_dim = 3

    def __init__(self) -> None:
        super().__init__()
        self.table = nn.Embedding(len(WORDS), 3)
        with torch.no_grad():
            self.table.weight.zero_()
            for axis, word in enumerate(("red", "green", "blue")):
                self.table.weight[WORDS[word], axis] = 1.0

    def forward(self, text: Padded) -> EncoderOutput:
        vectors = self.table(text.values) * text.mask.unsqueeze(-1)
        return EncoderOutput(vectors, text.mask, vectors.sum(dim=1))


def hand_built() -> DualEncoder:
    model = DualEncoder(MeanColour(), ColourWords(), embed_dim=3, temperature=0.1)
    with torch.no_grad():
        for projection in model.projections.values():
            projection.weight.copy_(torch.eye(3))
    return model.eval()


def tokenize(text: str) -> list[int]:
    return [WORDS[word] for word in text.split()]


def _solid(rgb: tuple[float, float, float]) -> torch.Tensor:
    return torch.tensor(rgb).view(3, 1, 1).expand(3, 4, 4)


def test_zero_shot_classification_with_prompt_templates() -> None:
    model = hand_built()
    classes = class_embeddings(model, ["red", "green", "blue"], ["a {}", "a photo of {}"], tokenize)
    torch.testing.assert_close(classes, torch.eye(3))
    images = torch.stack([_solid((0.1, 0.0, 0.9)), _solid((0.8, 0.2, 0.1)), _solid((0, 1, 0))])
    probabilities = zero_shot_classify(model, images, classes)
    assert probabilities.argmax(dim=1).tolist() == [2, 0, 1]
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(3))


def test_templates_need_one_slot() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        class_embeddings(hand_built(), ["red"], ["a photo"], tokenize)


def _output(images: torch.Tensor, texts: torch.Tensor) -> DualEncoderOutput:
    return DualEncoderOutput(images, texts, torch.tensor(10.0), {})


def test_recall_over_the_whole_split_not_per_batch() -> None:
    task = RetrievalTask()
    metric = task.metrics()
    # Two batches. Image 2's text lies closer to image 0 (batch 1) than to image 2: only a
    # comparison over the whole split sees that; batch by batch it would be found first.
    basis = torch.eye(4)
    confusing = torch.nn.functional.normalize(basis[0] + 0.5 * basis[2], dim=0)
    batches = [
        (basis[[0, 1]], basis[[0, 1]], [0, 1]),
        (basis[[2, 3]], torch.stack([confusing, basis[3]]), [2, 3]),
    ]
    for images, texts, ids in batches:
        metric.update(task.decode(_output(images, texts)), Batch({"image_id": ids}))
    values = metric.compute()
    # Image 2's text ranks image 0 first and its own image second: t2i R@1 = 3/4, R@5 = 1;
    # every image still ranks its own text first.
    assert values["t2i_recall@1"] == 75.0
    assert values["t2i_recall@5"] == 100.0
    assert values["i2t_recall@1"] == 100.0


def test_loss_uses_image_ids_and_decode_gives_embeddings() -> None:
    model = tiny_dual_encoder()
    batch = pair_batch(3)
    output = model(batch)
    task = RetrievalTask()
    loss = task.loss(output, batch)
    assert loss.item() > 0
    predictions = task.decode(output)
    assert len(predictions) == 3 and len(predictions[0]["image_embedding"]) == 6
    with pytest.raises(KeyError, match="image_id"):
        task.loss(output, Batch({k: v for k, v in batch.items() if k != "image_id"}))
