"""Small hand-built models whose explanations are known exactly."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion.output import FusionOutput


class ColourCells(nn.Module):
    """Fixed weights: feature map channel 0 = each 4×4-pixel cell's mean red, channel 1 = its
    mean blue. ``blocks`` is its CNN stack, as in ConvImageEncoder; with ``cls`` the tokens
    start with a zero CLS token, as in a ViT."""

    def __init__(self, cls: bool = False) -> None:
        super().__init__()
        select = nn.Conv2d(3, 2, kernel_size=1, bias=False)
        with torch.no_grad():
            select.weight.zero_()
            select.weight[0, 0] = 1.0  # red
            select.weight[1, 2] = 1.0  # blue
        self.cells = nn.Sequential(select, nn.AvgPool2d(4))
        if not cls:
            self.blocks = self.cells
        self.cls = cls
        self.output_dim = 2

    def forward(self, image: torch.Tensor) -> EncoderOutput:
        features = self.cells(image)  # (B, 2, h, w)
        tokens = features.flatten(2).transpose(1, 2)
        if self.cls:
            tokens = torch.cat([torch.zeros_like(tokens[:, :1]), tokens], dim=1)
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool)
        return EncoderOutput(tokens=tokens, mask=mask, pooled=tokens.sum(dim=1))


class VectorEncoder(nn.Module):
    """A (B, D) input is its own pooled vector (and a single token)."""

    def forward(self, values: torch.Tensor) -> EncoderOutput:
        mask = torch.ones(values.shape[0], 1, dtype=torch.bool)
        return EncoderOutput(tokens=values[:, None], mask=mask, pooled=values)


class Only(nn.Module):
    """Fusion that passes one modality's pooled vector on and ignores the others."""

    def __init__(self, modality: str) -> None:
        super().__init__()
        self.modality = modality

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        return FusionOutput(pooled=encoded[self.modality].pooled)


class Combine(nn.Module):
    """Class 0's logit is the sum (or product) of each modality's first feature; class 1's
    logit is 0."""

    def __init__(self, product: bool = False) -> None:
        super().__init__()
        self.product = product

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        firsts = torch.stack([out.pooled[:, 0] for out in encoded.values()], dim=1)
        combined = firsts.prod(dim=1) if self.product else firsts.sum(dim=1)
        return FusionOutput(pooled=torch.stack([combined, torch.zeros_like(combined)], dim=1))


class Identity(nn.Module):
    """Head returning the fused vector as logits."""

    def forward(self, fused: FusionOutput) -> torch.Tensor:
        return fused.pooled


class LookUp(nn.Module):
    """One-head attention from the question's tokens to the image's, with scores
    ``scale · q·k``: a question token equal to an image token attends to it most."""

    def __init__(self, scale: float = 10.0) -> None:
        super().__init__()
        self.scale = scale
        self.return_attentions = False

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        query, key = encoded["question"], encoded["image"]
        scores = self.scale * query.tokens @ key.tokens.transpose(1, 2)  # (B, Nq, Nk)
        scores = scores.masked_fill(~key.mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)[:, None]  # (B, 1, Nq, Nk)
        attended = (weights[:, 0] @ key.tokens).mean(dim=1)
        maps = {"question->image/0": weights} if self.return_attentions else {}
        return FusionOutput(pooled=attended, attentions=maps)
