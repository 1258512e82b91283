"""Multimodal Compact Bilinear pooling (Fukui et al. 2016, "Multimodal Compact Bilinear
Pooling for Visual Question Answering and Visual Grounding")."""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput


def count_sketch(
    vector: torch.Tensor, hashes: torch.Tensor, signs: torch.Tensor, size: int
) -> torch.Tensor:
    """Ψ(x)_k = Σ_{i : h(i) = k} s(i) x_i (Charikar et al. 2002).

    Shapes:
        vector: (B, n), hashes: (n,) long in [0, size), signs: (n,) ±1 → (B, size).
    """
    sketch = vector.new_zeros(vector.shape[0], size)
    return sketch.index_add_(1, hashes, vector * signs.to(vector.dtype))


class MCBFusion(nn.Module):
    """Approximates the outer product x ⊗ y by the convolution of the two inputs' count
    sketches, computed as a product in the frequency domain (Fukui et al. 2016, §3.1,
    following Pham & Pagh 2013):

        Φ = FFT⁻¹(FFT(Ψ(x, h_x, s_x)) ⊙ FFT(Ψ(y, h_y, s_y))),

    then the signed square root and L2 normalisation of the paper's VQA architecture (§3.2).
    The hashes h and signs s are drawn once, from ``seed``, and kept as buffers in the
    ``state_dict``, so a reloaded model computes exactly the same function. MCB has no trained
    parameters; its output width is the sketch size d (the paper: 16,000).

    Args:
        input_dims: exactly two modality names → widths of their pooled vectors.
        sketch_dim: the sketch size d, which is also the fused width.
        seed: the seed of the hashes and signs.
        normalize: apply the signed square root and L2 normalisation.

    Shapes:
        encoded[m].pooled: (B, D_m) → pooled (B, d).
    """

    first_hashes: torch.Tensor
    first_signs: torch.Tensor
    second_hashes: torch.Tensor
    second_signs: torch.Tensor

    def __init__(
        self,
        input_dims: Mapping[str, int],
        sketch_dim: int = 16000,
        seed: int = 0,
        normalize: bool = True,
    ) -> None:
        super().__init__()
        if len(input_dims) != 2:
            raise ValueError(f"MCBFusion fuses exactly two modalities, got {list(input_dims)}")
        if sketch_dim < 1:
            raise ValueError(f"MCBFusion: sketch_dim must be positive, got {sketch_dim}")
        self.input_dims = dict(input_dims)
        (self.first, first_dim), (self.second, second_dim) = self.input_dims.items()
        generator = torch.Generator().manual_seed(seed)
        for role, width in (("first", first_dim), ("second", second_dim)):
            hashes = torch.randint(sketch_dim, (width,), generator=generator)
            signs = torch.randint(2, (width,), generator=generator).float() * 2 - 1
            self.register_buffer(f"{role}_hashes", hashes)
            self.register_buffer(f"{role}_signs", signs)
        self.sketch_dim = sketch_dim
        self.normalize = normalize
        self.output_dim = sketch_dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        size = self.sketch_dim
        # The FFT runs in fp32 even under bf16 autocast: its sums lose too much in bf16.
        first = count_sketch(
            encoded[self.first].pooled.float(), self.first_hashes, self.first_signs, size
        )
        second = count_sketch(
            encoded[self.second].pooled.float(), self.second_hashes, self.second_signs, size
        )
        product = torch.fft.rfft(first, dim=-1) * torch.fft.rfft(second, dim=-1)
        fused = torch.fft.irfft(product, n=size, dim=-1)
        if self.normalize:
            fused = F.normalize(torch.sign(fused) * torch.sqrt(fused.abs() + 1e-12), dim=-1)
        return FusionOutput(pooled=fused)
