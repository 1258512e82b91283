"""Weight initialisation shared by the transformer models."""

from __future__ import annotations

from torch import nn


def init_transformer_weights(module: nn.Module, std: float | None = None) -> None:
    """Initialises every sub-module of ``module`` for training from scratch: linear and
    convolution weights ~ N(0, σ²) truncated at ±2σ, biases 0, embeddings ~ N(0, 0.02²) (their
    padding row 0), LayerNorm γ = 1 and β = 0.

    Args:
        module: the module to initialise, in place.
        std: σ for every weight (BERT and ViT use 0.02); ``None`` scales it to each layer's
            fan-in, σ = fan_in^-1/2 (LeCun), the default.

    Why not 0.02 everywhere: at width 768 a 0.02 layer keeps its input's scale (768 · 0.02² ≈
    0.3), but at the widths that train on a CPU (64, 128) it shrinks activations and gradients
    several-fold per layer, and a small model then spends epochs on a plateau before it learns
    anything beyond the answer prior (measured on easy-VQA; see docs/transformers.md).
    Pretrained checkpoints overwrite all of this anyway.
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
