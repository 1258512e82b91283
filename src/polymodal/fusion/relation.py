"""Relation Network fusion (Santoro et al. 2017, "A simple neural network module for
relational reasoning")."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput

PAIRINGS = ("ordered", "unordered")


def grid_coordinates(count: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(count, 2) (x, y) in [-1, 1] of the cells of a square grid, row by row — the
    coordinates the RN appends to each CNN cell so g_θ can relate positions.

    Raises:
        ValueError: when ``count`` is not a square number.
    """
    side = math.isqrt(count)
    if side * side != count:
        raise ValueError(
            f"{count} object tokens do not form a square grid; coordinates need one "
            "(set coordinates=False for tokens that are not grid cells)"
        )
    steps = torch.linspace(-1.0, 1.0, side, device=device, dtype=dtype)
    rows, columns = torch.meshgrid(steps, steps, indexing="ij")
    return torch.stack([columns.reshape(-1), rows.reshape(-1)], dim=-1)


def mlp(widths: Sequence[int], last_dropout: float = 0.0) -> nn.Sequential:
    """Linear-ReLU layers through ``widths``, with dropout before the last linear layer."""
    layers: list[nn.Module] = []
    pairs = list(itertools.pairwise(widths))
    for index, (a, b) in enumerate(pairs):
        if index == len(pairs) - 1 and last_dropout > 0:
            layers.append(nn.Dropout(last_dropout))
        layers += [nn.Linear(a, b), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class RelationFusion(nn.Module):
    """f_φ(Σ_{i,j} g_θ(o_i, o_j, q)): every pair of objects (the cells of a CNN feature map,
    each with its (x, y) grid coordinates appended), conditioned on the question vector q,
    goes through the MLP g_θ; the sum over pairs goes through the MLP f_φ.

    g_θ's first layer is split into per-object terms,
    W [o_i; o_j; q] + b = W₁ o_i + W₂ o_j + (W₃ q + b), which is the same function with the
    same parameters: the N·D-wide products are computed once per object instead of once per
    pair, so the first layer costs O(N) matrix products and O(N²) additions.

    Args:
        input_dims: modality name → token width; must hold ``objects`` and ``question``.
        objects: the modality whose tokens are the objects (e.g. ``image``).
        question: the modality whose pooled vector conditions g_θ (``None``: unconditioned).
        g_dims: widths of g_θ's layers (the paper: four of 256).
        f_dims: widths of f_φ's layers; the last is the fused width D (the paper: 256, 256,
            then the answer layer, which is the head here).
        coordinates: append each cell's (x, y) to its features (tokens must form a square
            grid).
        pairing: ``ordered`` — all N² pairs (i, j), as the paper — or ``unordered`` — the
            N(N+1)/2 pairs i ≤ j, about half the cost; g_θ still sees which is which from the
            coordinates.
        dropout: dropout before f_φ's last layer (the paper: 50%).

    Shapes:
        encoded[objects].tokens: (B, N, D_o), encoded[question].pooled: (B, D_q) →
        pooled (B, f_dims[-1]).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        objects: str = "image",
        question: str | None = "question",
        g_dims: Sequence[int] = (256, 256, 256, 256),
        f_dims: Sequence[int] = (256, 256),
        coordinates: bool = True,
        pairing: str = "ordered",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        for role, name in (("objects", objects), ("question", question)):
            if name is not None and name not in input_dims:
                raise ValueError(f"{role}={name!r} is not one of input_dims {list(input_dims)}")
        if pairing not in PAIRINGS:
            raise ValueError(f"pairing must be one of {PAIRINGS}, got {pairing!r}")
        if not g_dims or not f_dims:
            raise ValueError("g_dims and f_dims must each name at least one layer")
        self.input_dims = {k: v for k, v in input_dims.items() if k in (objects, question)}
        self.objects, self.question = objects, question
        self.coordinates, self.pairing = coordinates, pairing
        object_dim = input_dims[objects] + (2 if coordinates else 0)
        hidden = g_dims[0]
        self.first_object = nn.Linear(object_dim, hidden, bias=False)  # W₁
        self.second_object = nn.Linear(object_dim, hidden, bias=False)  # W₂
        # W₃ q + b; without a question, the bias alone.
        self.condition = (
            nn.Linear(input_dims[question], hidden)
            if question is not None
            else nn.Linear(1, hidden, bias=True)
        )
        self.g_rest = mlp([hidden, *g_dims[1:]])
        self.f = mlp([g_dims[-1], *f_dims], last_dropout=dropout)
        self.output_dim = f_dims[-1]

    def object_features(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, N, D_o) → (B, N, D_o [+ 2]) with the grid coordinates appended."""
        if not self.coordinates:
            return tokens
        batch, count, _ = tokens.shape
        grid = grid_coordinates(count, tokens.device, tokens.dtype)
        return torch.cat([tokens, grid.expand(batch, count, 2)], dim=-1)

    def condition_term(
        self, encoded: Mapping[str, EncoderOutput], like: torch.Tensor
    ) -> torch.Tensor:
        """(B, H): W₃ q + b."""
        if self.question is None:
            return self.condition(like.new_ones(like.shape[0], 1))
        return self.condition(encoded[self.question].pooled)

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        objects = self.object_features(encoded[self.objects].tokens)  # (B, N, D)
        mask = encoded[self.objects].mask  # (B, N)
        first = self.first_object(objects)  # (B, N, H)
        second = self.second_object(objects)  # (B, N, H)
        condition = self.condition_term(encoded, objects)  # (B, H)
        count = objects.shape[1]
        if self.pairing == "ordered":
            pre = first[:, :, None] + second[:, None, :] + condition[:, None, None]  # (B,N,N,H)
            pre = pre.flatten(1, 2)
            valid = (mask[:, :, None] & mask[:, None, :]).flatten(1)  # (B, N²)
        else:
            rows, columns = torch.triu_indices(count, count, device=objects.device)
            pre = first[:, rows] + second[:, columns] + condition[:, None]  # (B, P, H)
            valid = mask[:, rows] & mask[:, columns]
        relations = self.g_rest(torch.relu(pre))  # (B, P, H_g)
        summed = (relations * valid.unsqueeze(-1).to(relations.dtype)).sum(dim=1)
        return FusionOutput(pooled=self.f(summed))
