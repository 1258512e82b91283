"""Attention-based relational fusion: the question picks an anchor object by attention, and a
Relation Network relates only the anchor to every object."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.fusion.relation import grid_coordinates, mlp


class AttentionRelationFusion(nn.Module):
    """f_φ([Σ_j h_j ; Σ_j β_j h_j]) with h_j = g_θ(a, o_j, q), where the anchor
    a = Σ_i α_i o_i is the object the question q attends to (α = softmax over objects of
    (W_q q)·(W_k o_i)/√d), and β = softmax_j(w·h_j) lets f_φ read one related object.

    Sort-of-CLEVR and CLEVR questions are about pairs (X, Y) where X is named by the question:
    a Relation Network (Santoro et al. 2017) sums g_θ over all N² pairs and must learn to
    ignore the N² − N pairs without X; attending to X first (as in stacked attention, Yang et
    al. 2016, and MAC, Hudson & Manning 2018) leaves N pairs, so it costs O(N) instead of
    O(N²). The sum keeps counting questions ("how many have X's shape") answerable; the
    β-weighted term answers "which object is closest / furthest". g_θ's first layer is split
    into per-object terms as in :class:`~polymodal.fusion.relation.RelationFusion`.

    Args:
        input_dims: modality name → token width; must hold ``objects`` and ``question``.
        objects: the modality whose tokens are the objects (e.g. ``image``).
        question: the modality whose pooled vector picks the anchor and conditions g_θ.
        g_dims: widths of g_θ's layers.
        f_dims: widths of f_φ's layers; the last is the fused width D.
        attention_dim: width d of the anchor attention's queries and keys.
        coordinates: append each cell's (x, y) to its features (tokens must form a square
            grid).
        dropout: dropout before f_φ's last layer.
        return_attentions: put α as ``"anchor"`` (B, 1, 1, N) and β as ``"related"``
            (B, 1, 1, N) in the output.

    Shapes:
        encoded[objects].tokens: (B, N, D_o), encoded[question].pooled: (B, D_q) →
        pooled (B, f_dims[-1]).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        objects: str = "image",
        question: str = "question",
        g_dims: Sequence[int] = (256, 256, 256),
        f_dims: Sequence[int] = (256, 256),
        attention_dim: int = 64,
        coordinates: bool = True,
        dropout: float = 0.0,
        return_attentions: bool = False,
    ) -> None:
        super().__init__()
        for role, name in (("objects", objects), ("question", question)):
            if name not in input_dims:
                raise ValueError(f"{role}={name!r} is not one of input_dims {list(input_dims)}")
        if objects == question:
            raise ValueError(f"objects and question must differ, both are {objects!r}")
        if not g_dims or not f_dims:
            raise ValueError("g_dims and f_dims must each name at least one layer")
        self.input_dims = {objects: input_dims[objects], question: input_dims[question]}
        self.objects, self.question = objects, question
        self.coordinates = coordinates
        self.return_attentions = return_attentions
        object_dim = input_dims[objects] + (2 if coordinates else 0)
        self.query = nn.Linear(input_dims[question], attention_dim)
        self.key = nn.Linear(object_dim, attention_dim, bias=False)
        self.scale = 1.0 / math.sqrt(attention_dim)
        hidden = g_dims[0]
        self.anchor_term = nn.Linear(object_dim, hidden, bias=False)
        self.object_term = nn.Linear(object_dim, hidden, bias=False)
        self.condition = nn.Linear(input_dims[question], hidden)
        self.g_rest = mlp([hidden, *g_dims[1:]])
        self.relation_score = nn.Linear(g_dims[-1], 1)
        self.f = mlp([2 * g_dims[-1], *f_dims], last_dropout=dropout)
        self.output_dim = f_dims[-1]

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        objects = encoded[self.objects].tokens  # (B, N, D_o)
        mask = encoded[self.objects].mask  # (B, N)
        if self.coordinates:
            batch, count, _ = objects.shape
            grid = grid_coordinates(count, objects.device, objects.dtype)
            objects = torch.cat([objects, grid.expand(batch, count, 2)], dim=-1)
        question = encoded[self.question].pooled  # (B, D_q)
        blocked = ~mask
        scores = torch.einsum("bd,bnd->bn", self.query(question), self.key(objects)) * self.scale
        anchor_weights = torch.softmax(scores.masked_fill(blocked, float("-inf")), dim=-1)
        anchor = torch.einsum("bn,bnd->bd", anchor_weights, objects)  # (B, D)
        pre = (
            self.object_term(objects)
            + (self.anchor_term(anchor) + self.condition(question))[:, None]
        )  # (B, N, H)
        relations = self.g_rest(torch.relu(pre))  # (B, N, H_g)
        relations = relations * mask.unsqueeze(-1).to(relations.dtype)
        related_scores = self.relation_score(relations).squeeze(-1)  # (B, N)
        related_weights = torch.softmax(related_scores.masked_fill(blocked, float("-inf")), -1)
        summed = relations.sum(dim=1)
        picked = torch.einsum("bn,bnh->bh", related_weights, relations)
        fused = self.f(torch.cat([summed, picked], dim=-1))
        attentions = {}
        if self.return_attentions:
            attentions = {
                "anchor": anchor_weights[:, None, None],
                "related": related_weights[:, None, None],
            }
        return FusionOutput(pooled=fused, attentions=attentions)
