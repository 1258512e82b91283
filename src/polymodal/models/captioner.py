"""Image captioning: an image encoder and a transformer text decoder that cross-attends to the
image's tokens (the encoder–decoder of Vaswani et al. 2017 with an image as the source, as in
"Show, Attend and Tell" (Xu et al. 2015) with the recurrent decoder replaced by a
transformer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import INDEX_SUFFIX, Padded
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput
from polymodal.generation.base import DecodingStrategy, Generated
from polymodal.heads.text_decoder import TextDecoder
from polymodal.losses.captioning import teacher_forcing
from polymodal.models.multimodal import ModelOutput
from polymodal.modules.positions import LearnedPositionEmbedding


class Captioner(nn.Module):
    """``decoder(caption so far, image_encoder(image).tokens)`` → next-token logits.

    Args:
        image_encoder: returns an :class:`EncoderOutput` whose ``tokens`` (B, M, D_m) are the
            decoder's memory (``D_m`` = the decoder's ``memory_dim``).
        decoder: the text decoder.
        image_field: batch field holding the images.
        caption_field: batch field holding the captions' token ids (start token, caption, end
            token; a :class:`~polymodal.data.batch.Padded`) for teacher forcing.
        head: name of the logits in :class:`ModelOutput`.
        image_positions: when > 0, a learned position embedding for that many image tokens is
            added to them. A CNN's grid cells do not say where they are (a ViT's tokens do);
            the decoder needs to know to say "to the left of".

    Shapes:
        batch[image_field]: (B_img, 3, H, W), with ``<image_field>_index`` (B,) when images are
        shared; batch[caption_field]: Padded (B, T) → logits[head]: (B, T-1, V).
    """

    def __init__(
        self,
        image_encoder: nn.Module,
        decoder: TextDecoder,
        image_field: str = "image",
        caption_field: str = "caption_ids",
        head: str = "caption",
        image_positions: int = 0,
    ) -> None:
        super().__init__()
        self.image_encoder = image_encoder
        self.decoder = decoder
        self.image_field = image_field
        self.caption_field = caption_field
        self.head = head
        self.image_positions = (
            LearnedPositionEmbedding(image_positions, decoder.memory_dim)
            if image_positions > 0
            else None
        )

    @property
    def modalities(self) -> list[str]:
        return [self.image_field]

    def encode_images(self, batch: Mapping[str, Any]) -> EncoderOutput:
        """The images' tokens, one row per sample (shared images gathered back), with
        position embeddings added when configured."""
        if self.image_field not in batch:
            raise KeyError(f"batch has no {self.image_field!r} field; fields: {list(batch)}")
        encoded: EncoderOutput = self.image_encoder(batch[self.image_field])
        tokens, mask, pooled = encoded.tokens, encoded.mask, encoded.pooled
        if tokens.shape[-1] != self.decoder.memory_dim:
            raise ValueError(
                f"the image encoder's tokens are {tokens.shape[-1]} wide but the decoder's "
                f"memory_dim is {self.decoder.memory_dim}"
            )
        if self.image_positions is not None:
            tokens = tokens + self.image_positions(tokens.shape[1])
        index = batch.get(f"{self.image_field}{INDEX_SUFFIX}")
        if index is not None:
            tokens, mask, pooled = tokens[index], mask[index], pooled[index]
        return EncoderOutput(tokens=tokens, mask=mask, pooled=pooled)

    def forward(self, batch: Mapping[str, Any]) -> ModelOutput:
        """Teacher-forced logits when the batch has captions; the encoded images always."""
        encoded = self.encode_images(batch)
        logits: dict[str, torch.Tensor] = {}
        captions = batch.get(self.caption_field)
        if captions is not None:
            if not isinstance(captions, Padded):
                raise TypeError(
                    f"batch[{self.caption_field!r}] must be token ids padded by collate "
                    f"(Padded), got {type(captions).__name__}"
                )
            shifted = teacher_forcing(captions.values, captions.mask)
            logits[self.head] = self.decoder(shifted.inputs, encoded.tokens, encoded.mask)
        fused = FusionOutput(pooled=encoded.pooled, tokens=encoded.tokens, mask=encoded.mask)
        return ModelOutput(logits=logits, fused=fused, encoded={self.image_field: encoded})

    @torch.no_grad()
    def generate(
        self,
        batch: Mapping[str, Any],
        strategy: DecodingStrategy,
        bos_id: int,
        eos_id: int,
        num_return: int = 1,
    ) -> list[list[Generated]]:
        """Captions for the batch's images with a decoding strategy (greedy, beam, nucleus).

        Returns:
            Per sample, ``num_return`` token sequences with their scores, best first.
        """
        was_training = self.training
        self.eval()
        try:
            encoded = self.encode_images(batch)
            return strategy(self.decoder, encoded.tokens, encoded.mask, bos_id, eos_id, num_return)
        finally:
            self.train(was_training)
