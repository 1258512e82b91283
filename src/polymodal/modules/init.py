"""Weight initialisation shared by the transformer models."""

from __future__ import annotations

from torch import nn


def init_transformer_weights(module: nn.Module, std: float | None = None) -> None:
    """BERT / ViT initialisation, applied to every sub-module of ``module``: linear,
    convolution and embedding weights ~ N(0, std²) truncated at ±2·std, biases 0, LayerNorm
    γ = 1 and β = 0; an embedding's padding row stays 0.

    PyTorch's default (Kaiming-uniform) gives a transformer too large a residual stream at
    initialisation, which slows the first epochs of training from scratch.
    """
    for sub in module.modules():
        if isinstance(sub, nn.Linear | nn.Conv1d | nn.Conv2d):
            fan_in = sub.weight[0].numel()
            scale = fan_in**-0.5 if std is None else std
            nn.init.trunc_normal_(sub.weight, std=scale, a=-2 * scale, b=2 * scale)
            if sub.bias is not None:
                nn.init.zeros_(sub.bias)
        elif isinstance(sub, nn.Embedding):
            scale = 0.02 if std is None else std
            nn.init.trunc_normal_(sub.weight, std=scale, a=-2 * scale, b=2 * scale)
            if sub.padding_idx is not None:
                nn.init.zeros_(sub.weight[sub.padding_idx])
        elif isinstance(sub, nn.LayerNorm) and sub.elementwise_affine:
            nn.init.ones_(sub.weight)
            if sub.bias is not None:
                nn.init.zeros_(sub.bias)
