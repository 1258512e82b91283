"""The ALBEF-style pre-training model (Li et al. 2021, "Align before Fuse"): a dual encoder
whose image and text towers are aligned contrastively (ITC), then a cross-attention fusion
encoder over both that learns image–text matching on hard negatives (ITM) and masked language
modelling conditioned on the image (MLM) — and, with a caption decoder, the captioning
language-modelling objective of BLIP (Li et al. 2022) and CoCa (Yu et al. 2022) (LM)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import Padded
from polymodal.encoders.output import EncoderOutput
from polymodal.heads.masked_lm import MLMHead
from polymodal.losses.captioning import teacher_forcing
from polymodal.losses.itm import itm_targets, sample_hard_negatives
from polymodal.losses.mlm import mask_tokens
from polymodal.models.dual_encoder import DualEncoder
from polymodal.modules.init import init_transformer_weights

OBJECTIVES = ("itc", "itm", "mlm", "lm")
DEFAULT_OBJECTIVES = ("itc", "itm", "mlm")
LM_START_ID = 1
"""The caption decoder's start token: ``[UNK]``, which no caption of a fitted vocabulary uses."""
LM_END_ID = 0
"""The caption decoder's end token: ``[PAD]``; what follows a caption is padding anyway."""


@dataclass(frozen=True)
class PretrainingOutput:
    """What one pre-training forward pass produced; an objective left out is ``None``.

    Attributes:
        image_embeddings: (B, E) normalised (ITC).
        text_embeddings: (B, E) normalised (ITC).
        logit_scale: () inverse temperature.
        itm_logits: (3B, 2): B matching pairs, B images with a hard negative text, B texts
            with a hard negative image.
        itm_labels: (3B,) 1 for a match, 0 otherwise.
        mlm_logits: (B, L, V) over the masked captions.
        mlm_labels: (B, L) the original ids of the chosen tokens, else -100.
        lm_logits: (B, L + 1, V) next-token logits of the caption decoder (teacher forcing on
            the start token and the caption).
        lm_targets: (B, L + 1) the caption followed by the end token.
        lm_mask: (B, L + 1) bool, True where the target is real.
        encoded: modality → the unmasked encoder outputs.
        mlm_logits_other_image: in evaluation only, (B, L, V) for the same masked captions
            fused with another image of the batch: what MLM guesses without seeing the right
            image, so that the gap to ``mlm_logits`` measures how much it reads the image.
    """

    image_embeddings: torch.Tensor
    text_embeddings: torch.Tensor
    logit_scale: torch.Tensor
    itm_logits: torch.Tensor | None
    itm_labels: torch.Tensor | None
    mlm_logits: torch.Tensor | None
    mlm_labels: torch.Tensor | None
    encoded: dict[str, EncoderOutput]
    lm_logits: torch.Tensor | None = None
    lm_targets: torch.Tensor | None = None
    lm_mask: torch.Tensor | None = None
    mlm_logits_other_image: torch.Tensor | None = None


def other_image_rows(ids: torch.Tensor | None, size: int, device: torch.device) -> torch.Tensor:
    """(B,) for each row the nearest following row (cyclically) showing a different image
    (by ``ids``; without ids every row is its own image); a row keeps itself when the whole
    batch shows one image."""
    ids = torch.arange(size, device=device) if ids is None else ids
    rows = torch.arange(size, device=device)
    other = rows.clone()
    for shift in range(size - 1, 0, -1):  # the smallest shift that changes image wins
        candidate = (rows + shift) % size
        other = torch.where(ids[candidate] != ids, candidate, other)
    return other


def _rows(encoded: EncoderOutput, index: torch.Tensor) -> EncoderOutput:
    return EncoderOutput(
        tokens=encoded.tokens[index], mask=encoded.mask[index], pooled=encoded.pooled[index]
    )


class PretrainingModel(nn.Module):
    """Dual encoder + fusion encoder, computing what the configured objectives need.

    Args:
        dual_encoder: image and text towers with projections (:class:`DualEncoder`).
        fusion: takes ``{text: EncoderOutput, image: EncoderOutput}`` (the text querying the
            image, e.g. :class:`polymodal.fusion.CrossAttentionFusion` with
            ``query=<text field>``) and returns a ``FusionOutput`` with per-text-token
            ``tokens``; it must have an int ``output_dim``.
        vocab_size: the text vocabulary (MLM predicts over it).
        objectives: which of ``itc``, ``itm``, ``mlm``, ``lm`` to compute (ITC embeddings are
            always computed: ITM draws its negatives from them).
        mask_id: the id that replaces masked tokens. With a word vocabulary fitted on the
            captions no caption word is unknown, so ``[UNK]`` (1) is free for the job.
        mask_probability: the share of caption tokens MLM predicts.
        keep_ids: ids never masked nor drawn as replacements (padding).
        id_field: batch field of image identities: captions of one image are never drawn as
            each other's ITM negatives.
        caption_decoder: for ``lm``: a decoder taking ``(input_ids, memory, memory_mask)`` and
            returning (B, T, V) logits (:class:`polymodal.heads.text_decoder.TextDecoder` with
            ``tie_embeddings=False``) that captions the image from its encoder tokens. The
            word vocabulary has no start or end token, and needs none: the start token is
            ``[UNK]`` (free, as for MLM) and the end of a caption is predicted as ``[PAD]``
            (id 0), whose output row is learnable only when the output is not tied to the
            input embedding (where the padding row stays zero).

    Parameter names: ``dual_encoder.encoders.<field>``, ``dual_encoder.projections``,
    ``dual_encoder.logit_scale``, ``fusion``, ``itm_head``, ``mlm_head``.
    """

    def __init__(
        self,
        dual_encoder: DualEncoder,
        fusion: nn.Module,
        vocab_size: int,
        objectives: Sequence[str] = DEFAULT_OBJECTIVES,
        mask_id: int = 1,
        mask_probability: float = 0.15,
        keep_ids: Sequence[int] = (0,),
        id_field: str = "image_id",
        caption_decoder: nn.Module | None = None,
    ) -> None:
        super().__init__()
        unknown = sorted(set(objectives) - set(OBJECTIVES))
        if unknown:
            raise ValueError(f"objectives {unknown} are not among {list(OBJECTIVES)}")
        if "lm" in objectives and caption_decoder is None:
            raise ValueError("the lm objective needs a caption_decoder")
        if caption_decoder is not None:
            if not isinstance(caption_decoder, nn.Module):
                raise TypeError(
                    f"caption_decoder must be a module, got {type(caption_decoder).__name__} "
                    f"{caption_decoder!r}"
                )
            decoder_vocabulary = getattr(caption_decoder, "vocab_size", vocab_size)
            if decoder_vocabulary != vocab_size:
                raise ValueError(
                    f"caption_decoder.vocab_size must be the text vocabulary ({vocab_size}), "
                    f"got {decoder_vocabulary}"
                )
            if getattr(caption_decoder, "output", True) is None:
                raise ValueError(
                    "caption_decoder needs tie_embeddings=False: the end of a caption is "
                    "predicted as [PAD], whose tied (input) embedding row is fixed at zero"
                )
        if not 0 <= mask_id < vocab_size:
            raise ValueError(f"mask_id {mask_id} is outside the vocabulary of {vocab_size}")
        dim = getattr(fusion, "output_dim", None)
        if not isinstance(dim, int):
            raise ValueError(f"the fusion ({type(fusion).__name__}) has no int output_dim")
        self.dual_encoder = dual_encoder
        self.caption_decoder = caption_decoder if "lm" in objectives else None
        self.fusion = fusion
        self.objectives = tuple(objectives)
        self.itm_head = nn.Linear(dim, 2) if "itm" in self.objectives else None
        self.mlm_head = MLMHead(dim, vocab_size) if "mlm" in self.objectives else None
        for head in (self.itm_head, self.mlm_head):
            if head is not None:
                init_transformer_weights(head)
        self.vocab_size = vocab_size
        self.mask_id = mask_id
        self.mask_probability = mask_probability
        self.keep_ids = tuple(int(i) for i in keep_ids)
        self.id_field = id_field

    @property
    def modalities(self) -> list[str]:
        return self.dual_encoder.modalities

    def _fuse(self, text: EncoderOutput, image: EncoderOutput) -> Any:
        return self.fusion(
            {self.dual_encoder.text_field: text, self.dual_encoder.image_field: image}
        )

    def _image_ids(self, batch: Mapping[str, Any], size: int, device: torch.device) -> Any:
        ids = batch.get(self.id_field)
        return None if ids is None else torch.as_tensor(ids, device=device).reshape(size)

    def _itm(
        self,
        batch: Mapping[str, Any],
        text: EncoderOutput,
        image: EncoderOutput,
        similarity: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        assert self.itm_head is not None
        size = similarity.shape[0]
        ids = self._image_ids(batch, size, similarity.device)
        negative_text, negative_image = sample_hard_negatives(similarity, ids)
        pooled = torch.cat(
            [
                self._fuse(text, image).pooled,
                self._fuse(_rows(text, negative_text), image).pooled,
                self._fuse(text, _rows(image, negative_image)).pooled,
            ]
        )
        return self.itm_head(pooled), itm_targets(size, similarity.device)

    def _mlm(
        self, batch: Mapping[str, Any], image: EncoderOutput
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """MLM logits and labels, and in evaluation the logits with another image."""
        assert self.mlm_head is not None
        field = self.dual_encoder.text_field
        text = batch[field]
        if not isinstance(text, Padded):
            raise TypeError(f"MLM needs the {field!r} field as padded token ids (Padded)")
        masked, labels = mask_tokens(
            text.values,
            text.mask,
            self.mask_id,
            self.vocab_size,
            self.mask_probability,
            keep_ids=self.keep_ids,
        )
        encoded = self.dual_encoder.encoders[field](Padded(masked, text.mask))
        fused = self._fuse(encoded, image)
        if fused.tokens is None or fused.tokens.shape[:2] != masked.shape:
            raise ValueError(
                "MLM needs a fusion that returns one token per text token (e.g. "
                f"CrossAttentionFusion with query={field!r})"
            )
        other_image_logits = None
        if not self.training:
            ids = self._image_ids(batch, masked.shape[0], masked.device)
            others = _rows(image, other_image_rows(ids, masked.shape[0], masked.device))
            other_image_logits = self.mlm_head(self._fuse(encoded, others).tokens)
        return self.mlm_head(fused.tokens), labels, other_image_logits

    def _lm(
        self, batch: Mapping[str, Any], image: EncoderOutput
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        assert self.caption_decoder is not None
        text = batch[self.dual_encoder.text_field]
        if not isinstance(text, Padded):
            raise TypeError("the lm objective needs the caption as padded token ids (Padded)")
        ids, mask = text.values, text.mask
        rows = ids.shape[0]
        start = torch.full((rows, 1), LM_START_ID, dtype=ids.dtype, device=ids.device)
        end = torch.full((rows, 1), LM_END_ID, dtype=ids.dtype, device=ids.device)
        # Padding is id 0 = the end token, so [start, caption, 0, 0...] frames every caption.
        framed = torch.cat([start, ids.masked_fill(~mask, LM_END_ID), end], dim=1)
        lengths = mask.sum(dim=1, keepdim=True)
        framed_mask = torch.arange(framed.shape[1], device=ids.device) < lengths + 2
        shifted = teacher_forcing(framed, framed_mask)
        logits = self.caption_decoder(shifted.inputs, image.tokens, image.mask)
        return logits, shifted.targets, shifted.mask

    def forward(self, batch: Mapping[str, Any]) -> PretrainingOutput:
        aligned = self.dual_encoder(batch)
        image = aligned.encoded[self.dual_encoder.image_field]
        text = aligned.encoded[self.dual_encoder.text_field]
        itm_logits = itm_labels = mlm_logits = mlm_labels = mlm_logits_other_image = None
        if "itm" in self.objectives:
            similarity = aligned.image_embeddings @ aligned.text_embeddings.T
            itm_logits, itm_labels = self._itm(batch, text, image, similarity.detach())
        if "mlm" in self.objectives:
            mlm_logits, mlm_labels, mlm_logits_other_image = self._mlm(batch, image)
        lm_logits = lm_targets = lm_mask = None
        if "lm" in self.objectives:
            lm_logits, lm_targets, lm_mask = self._lm(batch, image)
        return PretrainingOutput(
            image_embeddings=aligned.image_embeddings,
            text_embeddings=aligned.text_embeddings,
            logit_scale=aligned.logit_scale,
            itm_logits=itm_logits,
            itm_labels=itm_labels,
            mlm_logits=mlm_logits,
            mlm_labels=mlm_labels,
            encoded=aligned.encoded,
            lm_logits=lm_logits,
            lm_targets=lm_targets,
            lm_mask=lm_mask,
            mlm_logits_other_image=mlm_logits_other_image,
        )
