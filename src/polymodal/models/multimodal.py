"""The general multimodal model: per-modality encoders, one fusion, named heads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import INDEX_SUFFIX
from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput


@dataclass(frozen=True)
class ModelOutput:
    """Everything a forward pass produced.

    Attributes:
        logits: head name → that head's output, e.g. ``{"answer": (B, num_answers)}``.
        fused: the fusion's output.
        encoded: modality name → its encoder's output (a shared one may still be per
            distinct row: see ``EncoderOutput.rows``).
    """

    logits: dict[str, torch.Tensor]
    fused: FusionOutput
    encoded: dict[str, EncoderOutput]


class MultimodalModel(nn.Module):
    """``heads(fusion({m: encoders[m](batch[m])}))`` — composed from built modules.

    Args:
        encoders: batch field name (the modality) → encoder taking that field.
        fusion: module taking ``{modality: EncoderOutput}`` and returning a ``FusionOutput``.
        heads: head name → module taking the ``FusionOutput``.
    """

    def __init__(
        self,
        encoders: Mapping[str, nn.Module],
        fusion: nn.Module,
        heads: Mapping[str, nn.Module],
    ) -> None:
        super().__init__()
        if not encoders:
            raise ValueError("MultimodalModel needs at least one encoder")
        if not heads:
            raise ValueError("MultimodalModel needs at least one head")
        self.encoders = nn.ModuleDict(dict(encoders))
        self.fusion = fusion
        self.heads = nn.ModuleDict(dict(heads))

    @property
    def modalities(self) -> list[str]:
        return list(self.encoders.keys())

    def encode(self, batch: Mapping[str, Any]) -> dict[str, EncoderOutput]:
        """Encodes each modality; a shared field (``<modality>_index`` in the batch) is encoded
        once per distinct row, then gathered back to one row per sample — or, for a fusion
        that says it gathers them itself (``gathers_shared_rows``), left shared
        (:meth:`EncoderOutput.shared`)."""
        missing = [name for name in self.encoders if name not in batch]
        if missing:
            raise KeyError(f"batch has no field for modalities {missing}; fields: {list(batch)}")
        encoded = {}
        gathers = bool(getattr(self.fusion, "gathers_shared_rows", False))
        for name, encoder in self.encoders.items():
            output = encoder(batch[name])
            index = batch.get(f"{name}{INDEX_SUFFIX}")
            if index is not None:
                output = output.shared(index) if gathers else output.select(index)
            encoded[name] = output
        return encoded

    def forward(self, batch: Mapping[str, Any]) -> ModelOutput:
        encoded = self.encode(batch)
        fused = self.fusion(encoded)
        logits = {name: head(fused) for name, head in self.heads.items()}
        return ModelOutput(logits=logits, fused=fused, encoded=encoded)
