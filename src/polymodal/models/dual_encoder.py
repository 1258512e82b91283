"""CLIP-style dual encoder (Radford et al. 2021, "Learning Transferable Visual Models From
Natural Language Supervision"): an image tower and a text tower, each followed by a linear
projection into one joint space, and a learned temperature."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from polymodal.encoders.output import EncoderOutput

# CLIP clips the learned inverse temperature at 100 so training cannot make it explode.
MAX_LOGIT_SCALE = 100.0


@dataclass(frozen=True)
class DualEncoderOutput:
    """Both towers' results for a batch of image–text pairs.

    Attributes:
        image_embeddings: (B, E) L2-normalised.
        text_embeddings: (B, E) L2-normalised.
        logit_scale: () the inverse temperature, ≤ 100.
        encoded: modality name → that tower's encoder output (tokens for a fusion encoder).
    """

    image_embeddings: torch.Tensor
    text_embeddings: torch.Tensor
    logit_scale: torch.Tensor
    encoded: dict[str, EncoderOutput]


def _output_dim(encoder: nn.Module, name: str) -> int:
    dim = getattr(encoder, "output_dim", None)
    if not isinstance(dim, int):
        raise ValueError(
            f"the {name!r} encoder ({type(encoder).__name__}) has no int attribute output_dim"
        )
    return dim


class DualEncoder(nn.Module):
    """Image and text encoded separately; their pooled vectors projected and normalised.

    Args:
        image_encoder: takes the ``image`` field, returns an ``EncoderOutput``; must have an
            int ``output_dim``.
        text_encoder: takes the ``text`` field (token ids), likewise.
        embed_dim: width E of the joint space.
        temperature: the initial temperature (CLIP: 0.07).
        learn_temperature: learn it (as log(1/τ)), or keep it fixed.
        image: the batch field holding images.
        text: the batch field holding token ids.

    Parameter names — ``encoders.<image>``, ``encoders.<text>``, ``projections.<...>``,
    ``logit_scale`` — are those a ``MultimodalModel`` uses for its encoders, so towers move
    between models with an ``init_from`` mapping.

    Shapes:
        batch[image]: (B, C, H, W); batch[text]: Padded (B, L) → embeddings (B, E).
    """

    def __init__(
        self,
        image_encoder: nn.Module,
        text_encoder: nn.Module,
        embed_dim: int = 256,
        temperature: float = 0.07,
        learn_temperature: bool = True,
        image: str = "image",
        text: str = "caption",
    ) -> None:
        super().__init__()
        if image == text:
            raise ValueError(f"image and text must be different fields, got {image!r} twice")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.image_field, self.text_field = image, text
        self.encoders = nn.ModuleDict({image: image_encoder, text: text_encoder})
        self.projections = nn.ModuleDict(
            {
                image: nn.Linear(_output_dim(image_encoder, "image"), embed_dim, bias=False),
                text: nn.Linear(_output_dim(text_encoder, "text"), embed_dim, bias=False),
            }
        )
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(1.0 / temperature)), requires_grad=learn_temperature
        )
        self.embed_dim = embed_dim

    @property
    def modalities(self) -> list[str]:
        return [self.image_field, self.text_field]

    def embed(self, field: str, encoded: EncoderOutput) -> torch.Tensor:
        """(B, D) pooled vector of ``field``'s tower → (B, E) unit vectors."""
        return F.normalize(self.projections[field](encoded.pooled), dim=-1)

    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) → (B, E) normalised image embeddings."""
        return self.embed(self.image_field, self.encoders[self.image_field](image))

    def encode_text(self, text: Any) -> torch.Tensor:
        """Token ids (Padded (B, L)) → (B, E) normalised text embeddings."""
        return self.embed(self.text_field, self.encoders[self.text_field](text))

    def scale(self) -> torch.Tensor:
        return self.logit_scale.exp().clamp(max=MAX_LOGIT_SCALE)

    def forward(self, batch: Mapping[str, Any]) -> DualEncoderOutput:
        missing = [field for field in self.modalities if field not in batch]
        if missing:
            raise KeyError(f"batch has no field for {missing}; fields: {list(batch)}")
        encoded = {field: self.encoders[field](batch[field]) for field in self.modalities}
        return DualEncoderOutput(
            image_embeddings=self.embed(self.image_field, encoded[self.image_field]),
            text_embeddings=self.embed(self.text_field, encoded[self.text_field]),
            logit_scale=self.scale(),
            encoded=encoded,
        )
