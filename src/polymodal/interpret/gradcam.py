"""Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
Gradient-based Localization") over an image encoder's feature map or tokens.

For a chosen answer with logit y and activations A (channels k over cells (i, j)), each channel
is weighted by its average gradient α_k = mean_ij ∂y/∂A_k,ij, and the map is
ReLU(Σ_k α_k A_k): the cells whose features push the answer up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.interpret.grid import TokenGrid, encoder_grid
from polymodal.interpret.targets import encoder_of, head_logits, target_indices


def default_layer(encoder: nn.Module) -> tuple[nn.Module, bool]:
    """The activations Grad-CAM reads for an encoder, and whether they are the module's input.

    - A CNN with a ``blocks`` stack (ConvImageEncoder): the last feature map, ``blocks``' output.
    - A transformer with ``encoder.layers`` (ViTEncoder): the input of the last layer. Its
      output's patch tokens reach a CLS-pooled vector through nothing, so their gradients are
      zero; through the last layer's attention, its input's patch tokens do.
    - Anything else: the encoder's own output tokens.
    """
    blocks = getattr(encoder, "blocks", None)
    if isinstance(blocks, nn.Module):
        return blocks, False
    layers = getattr(getattr(encoder, "encoder", None), "layers", None)
    if isinstance(layers, nn.ModuleList) and len(layers) > 0:
        return layers[-1], True
    return encoder, False


class _Capture:
    """Keeps the tensor a module produced (or received) in the forward pass, attached to the
    autograd graph so that gradients can be taken with respect to it."""

    def __init__(self, module: nn.Module, use_input: bool) -> None:
        self.value: torch.Tensor | None = None
        if use_input:
            self.handle = module.register_forward_pre_hook(self._input)
        else:
            self.handle = module.register_forward_hook(self._output)

    def _keep(self, value: Any) -> None:
        tensor = value.tokens if isinstance(value, EncoderOutput) else value
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"Grad-CAM needs a tensor or EncoderOutput, got {type(value).__name__}")
        if not tensor.requires_grad:
            # Frozen weights: the tensor is a leaf, and marking it brings it into the graph.
            tensor.requires_grad_(True)
        self.value = tensor

    def _input(self, module: nn.Module, inputs: tuple[Any, ...]) -> None:
        self._keep(inputs[0])

    def _output(self, module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        self._keep(output)


def cam_from_activations(
    activations: torch.Tensor, gradients: torch.Tensor, grid: TokenGrid | None = None
) -> torch.Tensor:
    """ReLU(Σ_k α_k A_k) with α_k the mean gradient of channel k over the cells.

    Args:
        activations: (B, C, h, w) feature maps, or (B, N, D) tokens laid out by ``grid``.
        gradients: the score's gradient, same shape.
        grid: required for tokens; the prefix tokens (CLS) are left out.

    Returns:
        (B, h, w) or (B, grid.rows, grid.columns), non-negative.
    """
    if activations.dim() == 4:
        weights = gradients.mean(dim=(2, 3))  # (B, C)
        return torch.relu(torch.einsum("bc,bchw->bhw", weights, activations))
    if activations.dim() != 3 or grid is None:
        raise ValueError(
            f"Grad-CAM needs (B, C, h, w) maps or (B, N, D) tokens with a grid, got shape "
            f"{tuple(activations.shape)}"
        )
    cells, cell_gradients = grid.cells(activations), grid.cells(gradients)
    weights = cell_gradients.mean(dim=1)  # (B, D)
    cam = torch.relu(torch.einsum("bd,bnd->bn", weights, cells))
    return cam.reshape(cam.shape[0], grid.rows, grid.columns)


def grad_cam(
    model: nn.Module,
    batch: Mapping[str, Any],
    target: int | torch.Tensor | None = None,
    modality: str = "image",
    head: str | None = None,
    layer: nn.Module | None = None,
    use_input: bool = False,
    grid: TokenGrid | None = None,
) -> torch.Tensor:
    """Grad-CAM of one image modality with respect to a chosen answer's logit.

    The gradient is taken with ``torch.autograd.grad``, so parameters' ``.grad`` stay untouched.
    Each sample's map comes from its own score: run it in evaluation mode (BatchNorm statistics
    fixed) on a batch whose image rows are not shared between samples.

    Args:
        model: a model with ``encoders[modality]`` returning logits per head (MultimodalModel).
        batch: the model's input, image (B, C, H, W).
        target: class index for all samples or (B,) per sample; ``None``: the predicted class.
        modality: the image modality.
        head: the head to explain (default: the only one).
        layer: the module whose activations are read (default: :func:`default_layer`).
        use_input: read ``layer``'s input instead of its output.
        grid: the token grid when ``layer`` gives tokens (default: inferred from the encoder).

    Returns:
        (B, rows, columns) non-negative maps, one cell per feature-map cell or image patch.
    """
    encoder = encoder_of(model, modality)
    if layer is None:
        layer, use_input = default_layer(encoder)
    capture = _Capture(layer, use_input)
    try:
        with torch.enable_grad():
            output = model(batch)
            logits = head_logits(output.logits, head)
            indices = target_indices(target, logits)
            score = logits.float().gather(1, indices.unsqueeze(1)).sum()
            activations = capture.value
            if activations is None:
                raise RuntimeError("Grad-CAM: the chosen layer did not run in the forward pass")
            (gradients,) = torch.autograd.grad(score, activations, allow_unused=True)
    finally:
        capture.handle.remove()
    if gradients is None:
        gradients = torch.zeros_like(activations)
    activations, gradients = activations.detach().float(), gradients.float()
    if activations.dim() == 3 and grid is None:
        grid = encoder_grid(encoder, batch[modality], int(activations.shape[1]))
    return cam_from_activations(activations, gradients, grid)
