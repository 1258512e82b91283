"""Graph fusion: message passing over a graph whose nodes are the tokens of every modality."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.fusion._inputs import check_modalities
from polymodal.fusion.output import FusionOutput
from polymodal.modules.pooling import masked_mean

EDGES = ("all", "cross")
NODES = ("tokens", "pooled")


def graph_edges(mask: torch.Tensor, modality: torch.Tensor, cross_only: bool) -> torch.Tensor:
    """Edges between the real nodes of each sample, numbered in the flattened (B·N) node list.

    Args:
        mask: (B, N) bool, True for real nodes.
        modality: (N,) long, the modality of each node position.
        cross_only: keep only edges between nodes of different modalities.

    Returns:
        (2, E) long: row 0 the source node, row 1 the destination; no self-loops.
    """
    count = mask.shape[1]
    allowed = ~torch.eye(count, dtype=torch.bool, device=mask.device)
    if cross_only:
        allowed &= modality[:, None] != modality[None, :]
    pairs = mask[:, :, None] & mask[:, None, :] & allowed  # (B, N_src, N_dst)
    sample, source, destination = pairs.nonzero(as_tuple=True)
    return torch.stack([sample * count + source, sample * count + destination])


class MessagePassingLayer(nn.Module):
    """One round of messages and updates (a message-passing neural network, Gilmer et al.
    2017, "Neural Message Passing for Quantum Chemistry", eq. 1–2):

        m_{j→i} = ReLU(W_s h_j + W_d h_i + b),   a_i = mean_{j ∈ N(i)} m_{j→i},
        h_i ← LayerNorm(h_i + W_u [h_i; a_i]).

    Messages are summed into their destination with ``index_add_`` (a scatter), so any edge
    list works: complete graphs, cross-modal edges, scene-graph relations.

    Shapes:
        nodes: (V, D), edges: (2, E) → (V, D).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.source = nn.Linear(dim, dim, bias=False)
        self.destination = nn.Linear(dim, dim)
        self.update = nn.Linear(2 * dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, nodes: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        source, destination = edges
        # Per-node products first, then gathered per edge: E additions instead of E products.
        messages = torch.relu(
            self.source(nodes)[source] + self.destination(nodes)[destination]
        )  # (E, D)
        summed = nodes.new_zeros(nodes.shape).index_add_(0, destination, messages)
        degree = nodes.new_zeros(nodes.shape[0]).index_add_(
            0, destination, nodes.new_ones(destination.shape[0])
        )
        aggregated = summed / degree.clamp(min=1.0)[:, None]
        return self.norm(nodes + self.update(torch.cat([nodes, aggregated], dim=-1)))


class GraphFusion(nn.Module):
    """Every modality's tokens (or pooled vectors) become nodes of one graph per sample,
    projected to width D and tagged with a learned modality embedding; message-passing
    layers exchange information along the edges, within and across modalities; the fused
    vector is the mean of the final node states. Multimodal graphs of this kind are used for
    VQA over scene graphs (Teney et al. 2017, "Graph-Structured Representations for Visual
    Question Answering") and for unaligned multimodal sequences (Yang et al. 2021, "MTAG:
    Modal-Temporal Attention Graph for Unaligned Human Multimodal Language Sequences").

    Implemented with plain torch scatter operations (``index_add_``), so it needs no graph
    library.

    Args:
        input_dims: modality name → token width.
        dim: width D of the node states.
        num_layers: message-passing rounds.
        edges: ``"all"`` — every pair of real nodes of a sample — or ``"cross"`` — only
            pairs from different modalities.
        nodes: ``"tokens"`` (every real token is a node) or ``"pooled"`` (one node per
            modality: cheap for long sequences).

    Shapes:
        encoded[m].tokens: (B, N_m, D_m), encoded[m].mask: (B, N_m) → pooled (B, D),
        tokens (B, Σ N_m, D), mask (B, Σ N_m) (with ``nodes="pooled"``: N_m = 1).
    """

    def __init__(
        self,
        input_dims: Mapping[str, int],
        dim: int,
        num_layers: int = 2,
        edges: str = "all",
        nodes: str = "tokens",
    ) -> None:
        super().__init__()
        if len(input_dims) < 2:
            raise ValueError(f"GraphFusion needs two or more modalities, got {list(input_dims)}")
        if edges not in EDGES:
            raise ValueError(f"edges must be one of {EDGES}, got {edges!r}")
        if nodes not in NODES:
            raise ValueError(f"nodes must be one of {NODES}, got {nodes!r}")
        self.input_dims = dict(input_dims)
        self.edges, self.nodes = edges, nodes
        self.projections = nn.ModuleDict(
            {name: nn.Linear(width, dim) for name, width in input_dims.items()}
        )
        self.modality_embedding = nn.Embedding(len(input_dims), dim)
        self.layers = nn.ModuleList(MessagePassingLayer(dim) for _ in range(num_layers))
        self.output_dim = dim

    def forward(self, encoded: Mapping[str, EncoderOutput]) -> FusionOutput:
        check_modalities(encoded, self.input_dims, type(self).__name__)
        states, masks, kinds = [], [], []
        for index, name in enumerate(self.input_dims):
            output = encoded[name]
            if self.nodes == "tokens":
                values, mask = output.tokens, output.mask
            else:
                values = output.pooled[:, None]
                mask = torch.ones(values.shape[:2], dtype=torch.bool, device=values.device)
            states.append(self.projections[name](values) + self.modality_embedding.weight[index])
            masks.append(mask)
            kinds.append(torch.full((values.shape[1],), index, device=values.device))
        hidden = torch.cat(states, dim=1)  # (B, N, D)
        mask = torch.cat(masks, dim=1)  # (B, N)
        batch, count, width = hidden.shape
        edges = graph_edges(mask, torch.cat(kinds), self.edges == "cross")
        flat = hidden.reshape(batch * count, width)
        for layer in self.layers:
            flat = layer(flat, edges)
        tokens = flat.view(batch, count, width)
        return FusionOutput(pooled=masked_mean(tokens, mask), tokens=tokens, mask=mask)
