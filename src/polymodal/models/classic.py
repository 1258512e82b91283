"""The two classic example models, written out so they can be read top to bottom.

Each takes a local Hugging Face folder *or* one of our encoder modules for each tower, so the
same class serves a pretrained BERT/ViT baseline and a small model trained from scratch. Both
return :class:`~polymodal.models.multimodal.ModelOutput` and keep their towers in
``encoders`` (a ``ModuleDict``), like :class:`~polymodal.models.multimodal.MultimodalModel`,
so training, evaluation, fine-tuning patterns (``encoders.text.*``) and feature caching treat
them alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import INDEX_SUFFIX
from polymodal.encoders.hf import HFImageEncoder, HFTextEncoder
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput
from polymodal.models.multimodal import ModelOutput


def _text_encoder(model: str | nn.Module, pooling: str) -> nn.Module:
    return model if isinstance(model, nn.Module) else HFTextEncoder(model, pooling=pooling)


def _image_encoder(model: str | nn.Module, pooling: str) -> nn.Module:
    return model if isinstance(model, nn.Module) else HFImageEncoder(model, pooling=pooling)


def encoder_width(encoder: nn.Module, argument: str) -> int:
    """The width of an encoder's pooled vector (its ``output_dim``)."""
    width = getattr(encoder, "output_dim", None)
    if not isinstance(width, int):
        raise ValueError(
            f"{argument}: {type(encoder).__name__} has no integer output_dim attribute "
            f"(the width of its pooled vector), which this model needs to size its layers"
        )
    return width


def encode_field(encoder: nn.Module, batch: Mapping[str, Any], field: str) -> EncoderOutput:
    """Encodes ``batch[field]``; a shared field (``<field>_index`` present, e.g. one image for
    several questions) is encoded once per distinct row, then gathered to one row per sample."""
    if field not in batch:
        raise KeyError(f"the batch has no field {field!r}; fields: {list(batch)}")
    output: EncoderOutput = encoder(batch[field])
    index = batch.get(f"{field}{INDEX_SUFFIX}")
    if index is None:
        return output
    return output.select(index)


class MultimodalSentimentClassifier(nn.Module):
    """The standard two-tower baseline: a text encoder's and an image encoder's pooled vectors
    (BERT's and ViT's pooler outputs), concatenated, then one linear layer.

    Args:
        text_model_name: a local Hugging Face text model folder (BERT, MiniLM; or
            ``package:<module>``), or a built text encoder.
        image_model_name: a local Hugging Face vision model folder (ViT), or a built image
            encoder.
        num_classes: number of sentiment classes.
        dropout: dropout on the concatenated vector.
        text_field: the batch field holding token ids.
        image_field: the batch field holding images.
        head: the name of the logits (``ClassificationTask(head=...)``).
        pooling: how the Hugging Face towers pool (``"pooler"``: their pooler outputs).

    Shapes:
        batch[text_field]: Padded (B, L) ids; batch[image_field]: (B, 3, H, W) float
        → logits[head]: (B, num_classes).
    """

    def __init__(
        self,
        text_model_name: str | nn.Module,
        image_model_name: str | nn.Module,
        num_classes: int,
        dropout: float = 0.1,
        text_field: str = "text",
        image_field: str = "image",
        head: str = "label",
        pooling: str = "pooler",
    ) -> None:
        super().__init__()
        self.text_field, self.image_field, self.head = text_field, image_field, head
        self.encoders = nn.ModuleDict(
            {
                text_field: _text_encoder(text_model_name, pooling),
                image_field: _image_encoder(image_model_name, pooling),
            }
        )
        width = encoder_width(self.encoders[text_field], "text_model_name") + encoder_width(
            self.encoders[image_field], "image_model_name"
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(width, num_classes)

    @property
    def modalities(self) -> list[str]:
        """The batch fields the model reads (prediction and explanation ask for these)."""
        return list(self.encoders.keys())

    def forward(self, batch: Mapping[str, Any]) -> ModelOutput:
        text = encode_field(self.encoders[self.text_field], batch, self.text_field)
        image = encode_field(self.encoders[self.image_field], batch, self.image_field)
        fused = torch.cat([text.pooled, image.pooled], dim=-1)
        logits = self.classifier(self.dropout(fused))
        return ModelOutput(
            logits={self.head: logits},
            fused=FusionOutput(pooled=fused),
            encoded={self.text_field: text, self.image_field: image},
        )


class VisualQuestionAnsweringModel(nn.Module):
    """Image and question, fused, then an answer classifier (Antol et al. 2015, "VQA: Visual
    Question Answering": both projected to one width, multiplied element-wise, then an MLP).

    The classifier sees the *product* of the two, so the answer depends on the question: a
    model that classifies the image alone — a known tutorial mistake — cannot answer
    "what colour is the shape?" and "what shape is it?" about one image differently.

    Args:
        image_model_name: a local Hugging Face vision model folder (ViT), or a built image
            encoder.
        text_model_name: a local Hugging Face text model folder (BERT, MiniLM; or
            ``package:<module>``), or a built text encoder.
        num_answers: number of answer classes.
        dim: width of the joint space.
        hidden_dim: the answer MLP's hidden width.
        dropout: dropout in the answer MLP.
        image_field: the batch field holding images.
        question_field: the batch field holding the question's token ids.
        head: the name of the logits (``VQATask(head=...)``).
        image_pooling: how a Hugging Face image tower pools (``"pooler"``, ``"cls"``, ``"mean"``).
        text_pooling: how a Hugging Face text tower pools.

    Shapes:
        batch[image_field]: (B, 3, H, W) float (or fewer rows with ``<image_field>_index``);
        batch[question_field]: Padded (B, L) ids → logits[head]: (B, num_answers).
    """

    def __init__(
        self,
        image_model_name: str | nn.Module,
        text_model_name: str | nn.Module,
        num_answers: int,
        dim: int = 512,
        hidden_dim: int = 512,
        dropout: float = 0.1,
        image_field: str = "image",
        question_field: str = "question",
        head: str = "answer",
        image_pooling: str = "pooler",
        text_pooling: str = "pooler",
    ) -> None:
        super().__init__()
        self.image_field, self.question_field, self.head = image_field, question_field, head
        self.encoders = nn.ModuleDict(
            {
                image_field: _image_encoder(image_model_name, image_pooling),
                question_field: _text_encoder(text_model_name, text_pooling),
            }
        )
        self.image_projection = nn.Linear(
            encoder_width(self.encoders[image_field], "image_model_name"), dim
        )
        self.question_projection = nn.Linear(
            encoder_width(self.encoders[question_field], "text_model_name"), dim
        )
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(dim, hidden_dim),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, num_answers),
        )

    @property
    def modalities(self) -> list[str]:
        """The batch fields the model reads (prediction and explanation ask for these)."""
        return list(self.encoders.keys())

    def forward(self, batch: Mapping[str, Any]) -> ModelOutput:
        image = encode_field(self.encoders[self.image_field], batch, self.image_field)
        question = encode_field(self.encoders[self.question_field], batch, self.question_field)
        # tanh keeps both factors in [-1, 1], so neither modality's scale swamps the other's.
        fused = torch.tanh(self.image_projection(image.pooled)) * torch.tanh(
            self.question_projection(question.pooled)
        )
        return ModelOutput(
            logits={self.head: self.classifier(fused)},
            fused=FusionOutput(pooled=fused),
            encoded={self.image_field: image, self.question_field: question},
        )
