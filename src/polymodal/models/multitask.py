"""A multi-task model: shared encoders and fusion, one head per task, computed on demand."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from torch import nn

from polymodal.data.batch import INDEX_SUFFIX
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput
from polymodal.heads.unimodal import UnimodalHead
from polymodal.models.multimodal import ModelOutput


def encode_field(encoder: nn.Module, batch: Mapping[str, Any], field: str) -> EncoderOutput:
    """Encodes one batch field; a shared field (``<field>_index`` in the batch) is encoded once
    per distinct row, then gathered back to one row per sample."""
    output: EncoderOutput = encoder(batch[field])
    index = batch.get(f"{field}{INDEX_SUFFIX}")
    if index is None:
        return output
    return output.select(index)


class MultitaskModel(nn.Module):
    """Encoders shared per modality, one shared fusion, and named heads for the tasks.

    A head reads the fused vector, or — wrapped in a
    :class:`~polymodal.heads.unimodal.UnimodalHead` — one modality's encoding. A forward pass
    runs only what its heads need, so a batch of an image-only task (attribute prediction)
    runs the image encoder alone, without a question field.

    Args:
        encoders: batch field name (the modality) → encoder taking that field.
        fusion: module taking ``{modality: EncoderOutput}`` and returning a ``FusionOutput``.
        heads: head name → module taking the ``FusionOutput`` (or the modality's
            ``EncoderOutput`` for a ``UnimodalHead``).
        fusion_inputs: the modalities the fusion combines (default: every encoder).

    When no requested head reads the fused vector, the fusion does not run and
    ``ModelOutput.fused`` holds a placeholder whose ``pooled`` is (B, 0).
    """

    def __init__(
        self,
        encoders: Mapping[str, nn.Module],
        fusion: nn.Module,
        heads: Mapping[str, nn.Module],
        fusion_inputs: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        if not encoders:
            raise ValueError("MultitaskModel needs at least one encoder")
        if not heads:
            raise ValueError("MultitaskModel needs at least one head")
        self.encoders = nn.ModuleDict(dict(encoders))
        self.fusion = fusion
        self.heads = nn.ModuleDict(dict(heads))
        self.fusion_inputs = list(fusion_inputs) if fusion_inputs is not None else list(encoders)
        unknown = sorted(set(self.fusion_inputs) - set(encoders))
        unknown += sorted(
            f"{name} reads {head.modality!r}"
            for name, head in heads.items()
            if isinstance(head, UnimodalHead) and head.modality not in encoders
        )
        if unknown:
            raise ValueError(
                f"MultitaskModel: no encoder for {unknown}; encoders: {list(encoders)}"
            )

    @property
    def modalities(self) -> list[str]:
        return list(self.encoders.keys())

    def head_inputs(self, head: str) -> list[str]:
        """The batch fields (modalities) that head ``head`` needs."""
        if head not in self.heads:
            raise KeyError(f"the model has no head {head!r}; heads: {list(self.heads)}")
        module = self.heads[head]
        return [module.modality] if isinstance(module, UnimodalHead) else list(self.fusion_inputs)

    def forward(
        self, batch: Mapping[str, Any], heads: Collection[str] | None = None
    ) -> ModelOutput:
        """Runs ``heads`` (default: every head whose inputs the batch holds).

        Args:
            batch: field → tensor (``image``: (B, 3, H, W), a text field: ``Padded`` ids...).
            heads: names of the heads to compute.
        """
        if heads is None:
            heads = [h for h in self.heads if all(f in batch for f in self.head_inputs(h))]
            if not heads:
                raise KeyError(
                    f"no head of the model can run on a batch with fields {list(batch)}: "
                    + ", ".join(f"{h} needs {self.head_inputs(h)}" for h in self.heads)
                )
        needed = {field for head in heads for field in self.head_inputs(head)}
        missing = sorted(needed - set(batch))
        if missing:
            raise KeyError(f"batch has no field for modalities {missing}; fields: {list(batch)}")
        encoded = {
            name: encode_field(encoder, batch, name)
            for name, encoder in self.encoders.items()
            if name in needed
        }
        uses_fusion = any(not isinstance(self.heads[h], UnimodalHead) for h in heads)
        if uses_fusion:
            fused: FusionOutput = self.fusion({m: encoded[m] for m in self.fusion_inputs})
        else:
            first = next(iter(encoded.values())).pooled
            fused = FusionOutput(pooled=first.new_zeros(first.shape[0], 0))
        logits = {}
        for name in heads:
            head = self.heads[name]
            logits[name] = head(encoded[head.modality] if isinstance(head, UnimodalHead) else fused)
        return ModelOutput(logits=logits, fused=fused, encoded=encoded)
