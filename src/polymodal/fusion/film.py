"""FiLM: feature-wise linear modulation (Perez et al. 2018, "FiLM: Visual Reasoning with a
General Conditioning Layer")."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.fusion.relation import grid_coordinates

NORMS = ("batch", "group")


class FiLMBlock(nn.Module):
    """The paper's residual block (§3.1, Figure 3): conv 1×1 → ReLU → conv 3×3 → norm
    without affine parameters → FiLM (γ ⊙ x + β) → ReLU, plus the output of the first ReLU.

    Shapes:
        features: (B, C + 2, H, W) with coordinate maps, gamma / beta: (B, C) → (B, C, H, W).
    """

    def __init__(self, channels: int, norm: str) -> None:
        super().__init__()
        self.entry = nn.Conv2d(channels + 2, channels, kernel_size=1)
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.norm = (
            nn.BatchNorm2d(channels, affine=False)
            if norm == "batch"
            else nn.GroupNorm(min(8, channels), channels, affine=False)
        )

    def forward(
        self, features: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor
    ) -> torch.Tensor:
        residual = torch.relu(self.entry(features))
        modulated = self.norm(self.conv(residual)) * gamma[..., None, None] + beta[..., None, None]
        return torch.relu(modulated) + residual


class FiLMFusion(nn.Module):
    """Residual blocks over the image's feature map whose normalised features are scaled and
    shifted per channel by the question: FiLM(x) = γ(q) ⊙ x + β(q) (Perez et al. 2018,
    eq. 1–2). The question modulates *how* the image is processed, rather than being joined
    to it afterwards. γ is predicted as 1 + Δγ(q), so every block starts close to an identity
    scaling (the paper's §7.1 "predicting Δγ" variant, which trains more stably).

    Each block's input gets two coordinate maps (x, y ∈ [-1, 1]), as in the paper; the
    output is a 1×1 convolution to D channels, max-pooled over the grid.

    Args:
        input_dims: modality name → width; must hold ``image`` (the channel count C of the
            map) and ``question``.
        dim: width D of the fused vector.
        image: the modality whose tokens are the cells of a square feature map.
        question: the modality whose pooled vector predicts γ and β.
        num_blocks: FiLM-ed residual blocks (the paper: 4).
        norm: ``"batch"`` (the paper) or ``"group"`` (no running statistics).

    Shapes:
        encoded[image].tokens: (B, H·W, C) with H = W, encoded[question].pooled: (B, D_q) →
        pooled (B, D), tokens (B, H·W, C) (the last block's map), mask (B, H·W).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        image: str = "image",
        question: str = "question",
        num_blocks: int = 4,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        for role, name in (("image", image), ("question", question)):
            if name not in input_dims:
                raise ValueError(f"{role}={name!r} is not one of input_dims {list(input_dims)}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        if num_blocks < 1:
            raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
        self.input_dims = {image: input_dims[image], question: input_dims[question]}
        self.image, self.question = image, question
        channels = input_dims[image]
        self.channels = channels
        self.blocks = nn.ModuleList(FiLMBlock(channels, norm) for _ in range(num_blocks))
        self.film_generator = nn.Linear(input_dims[question], 2 * channels * num_blocks)
        self.classifier = nn.Conv2d(channels, dim, kernel_size=1)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        tokens = encoded[self.image].tokens  # (B, N, C)
        batch, count, channels = tokens.shape
        grid = grid_coordinates(count, tokens.device, tokens.dtype)  # (N, 2)
        side = int(count**0.5)
        coordinates = grid.T.reshape(1, 2, side, side).expand(batch, 2, side, side)
        features = tokens.transpose(1, 2).reshape(batch, channels, side, side)
        parameters = self.film_generator(encoded[self.question].pooled)
        parameters = parameters.view(batch, len(self.blocks), 2, channels)
        for index, block in enumerate(self.blocks):
            gamma = 1.0 + parameters[:, index, 0]
            beta = parameters[:, index, 1]
            features = block(torch.cat([features, coordinates], dim=1), gamma, beta)
        pooled = torch.relu(self.classifier(features)).amax(dim=(2, 3))
        return FusionOutput(
            pooled=pooled,
            tokens=features.flatten(2).transpose(1, 2),
            mask=encoded[self.image].mask,
        )
