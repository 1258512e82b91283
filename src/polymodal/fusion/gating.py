"""Gated fusion: the Gated Multimodal Unit and its softmax-gated generalisation to M
modalities."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


class GatedMultimodalUnit(nn.Module):
    """The Gated Multimodal Unit (Arevalo et al. 2017, "Gated Multimodal Units for
    Information Fusion", eq. 1–5), for two modalities a and b:

        h_a = tanh(W_a x_a),  h_b = tanh(W_b x_b),  z = σ(W_z [x_a; x_b]),
        h = z ⊙ h_a + (1 − z) ⊙ h_b.

    The gate z decides, feature by feature and sample by sample, which modality to trust.
    The paper's W_a, W_b and W_z have no biases; ``bias=True`` adds them.

    Args:
        input_dims: exactly two modality names → widths of their pooled vectors; the first
            is a (the gate's z weighs it), the second b.
        dim: width D of the fused vector.
        bias: give W_a, W_b and W_z biases.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    def __init__(self, input_dims: Mapping[str, int], dim: int, bias: bool = False) -> None:
        super().__init__()
        if len(input_dims) != 2:
            raise ValueError(
                f"GatedMultimodalUnit fuses exactly two modalities, got {list(input_dims)}; "
                "use SoftmaxGatedFusion for more"
            )
        self.input_dims = dict(input_dims)
        (self.first, first_dim), (self.second, second_dim) = self.input_dims.items()
        self.first_projection = nn.Linear(first_dim, dim, bias=bias)
        self.second_projection = nn.Linear(second_dim, dim, bias=bias)
        self.gate = nn.Linear(first_dim + second_dim, dim, bias=bias)
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        first, second = encoded[self.first].pooled, encoded[self.second].pooled
        gate = torch.sigmoid(self.gate(torch.cat([first, second], dim=-1)))
        fused = gate * torch.tanh(self.first_projection(first)) + (1 - gate) * torch.tanh(
            self.second_projection(second)
        )
        return FusionOutput(pooled=fused)


class SoftmaxGatedFusion(nn.Module):
    """The GMU generalised to M modalities (Arevalo et al. 2017, §3.1, which gates M inputs
    with one gate per modality): h_m = tanh(W_m x_m), gates g = softmax over m of
    (W_z [x_1; …; x_M]) reshaped to (M, D), fused h = Σ_m g_m ⊙ h_m.

    With two modalities this is the GMU with z = σ(s_a − s_b): a softmax over two logits is
    a sigmoid of their difference.

    Args:
        input_dims: modality name → width of its pooled vector (two or more).
        dim: width D of the fused vector.
        bias: give the projections and the gate biases.
        return_gates: put the gates in the output as ``"gates"`` (B, 1, D, M) — the
            attention-map layout, so the gates can be plotted like attention.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, D).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        bias: bool = True,
        return_gates: bool = False,
    ) -> None:
        super().__init__()
        if len(input_dims) < 2:
            raise ValueError(f"SoftmaxGatedFusion needs two or more modalities, got {input_dims}")
        self.input_dims = dict(input_dims)
        self.projections = nn.ModuleDict(
            {name: nn.Linear(width, dim, bias=bias) for name, width in input_dims.items()}
        )
        self.gate = nn.Linear(sum(input_dims.values()), dim * len(input_dims), bias=bias)
        self.dim = dim
        self.return_gates = return_gates
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        inputs = [encoded[name].pooled for name in self.input_dims]
        count = len(inputs)
        logits = self.gate(torch.cat(inputs, dim=-1)).view(-1, count, self.dim)  # (B, M, D)
        gates = torch.softmax(logits, dim=1)
        hidden = torch.stack(
            [
                torch.tanh(self.projections[name](x))
                for name, x in zip(self.input_dims, inputs, strict=True)
            ],
            dim=1,
        )  # (B, M, D)
        fused = (gates * hidden).sum(dim=1)
        attentions = {"gates": gates.transpose(1, 2)[:, None]} if self.return_gates else {}
        return FusionOutput(pooled=fused, attentions=attentions)
