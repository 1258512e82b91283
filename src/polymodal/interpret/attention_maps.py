"""Attention heatmaps: how much of each query token's attention went to each image cell.

Attention fusions return their softmax weights in ``FusionOutput.attentions`` as
``name → (B, heads, N_query, N_key)`` when asked to (their ``return_attentions`` switch).
Entry names differ between fusions — ``"question->image/0"`` (query → keys),
``"image->question/0"`` in MulT's source → target order, ``"joint/0"`` over all modalities'
tokens concatenated — so :func:`locate` reads which modality is which from the map's shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from polymodal.encoders.output import EncoderOutput
from polymodal.interpret.grid import TokenGrid

# The attribute by which attention fusions are asked for their maps.
_SWITCH = "return_attentions"


@dataclass(frozen=True)
class AttentionSource:
    """Where the query and key tokens of one attention map sit.

    Attributes:
        name: the entry's name in ``FusionOutput.attentions``.
        layer: the layer index parsed from the name's last ``/<n>`` (``-1`` when it has none).
        query: the modality whose tokens are the queries.
        key: the modality whose tokens are the keys.
        query_offset: position of the query modality's first token among the queries.
        key_offset: position of the key modality's first token among the keys.
    """

    name: str
    layer: int
    query: str
    key: str
    query_offset: int = 0
    key_offset: int = 0


@dataclass(frozen=True)
class ImageAttention:
    """Attention from one modality's tokens to the cells of an image.

    Attributes:
        tokens: (B, N_query, rows, columns) — each query token's attention over the cells,
            renormalised to sum to 1 over the cells.
        pooled: (B, rows, columns) — the attention of all real query tokens together (their
            summed weights, renormalised): where the question as a whole looked.
        mass: (B, N_query) — the share of each query's attention that fell on the cells before
            renormalising (below 1 when keys also hold a CLS token or other modalities).
        query_mask: (B, N_query) bool — True for real query tokens.
        source: the attention map it came from.
    """

    tokens: torch.Tensor
    pooled: torch.Tensor
    mass: torch.Tensor
    query_mask: torch.Tensor
    source: AttentionSource


def _layer_of(name: str) -> tuple[str, int]:
    stem, _, last = name.rpartition("/")
    if stem and last.isdigit():
        return stem, int(last)
    return name, -1


def _offsets(order: Sequence[str], encoded: Mapping[str, EncoderOutput]) -> dict[str, int]:
    offsets, position = {}, 0
    for modality in order:
        offsets[modality] = position
        position += int(encoded[modality].tokens.shape[1])
    return offsets


def locate(
    name: str,
    weights: torch.Tensor,
    encoded: Mapping[str, EncoderOutput],
    order: Sequence[str] | None = None,
) -> AttentionSource | None:
    """Which modalities an attention map relates, from its name and shape.

    Args:
        name: the entry's name, e.g. ``"question->image/1"`` or ``"joint/0"``.
        weights: (B, heads, N_query, N_key).
        encoded: the encoders' outputs of the same forward pass (token counts).
        order: the order in which a single-stream fusion concatenated the modalities
            (default: ``encoded``'s order).

    Returns:
        The source, or ``None`` for a map over tokens of no single modality pair (e.g. a
        self-attention over features of crossmodal streams).
    """
    stem, layer = _layer_of(name)
    num_queries, num_keys = int(weights.shape[-2]), int(weights.shape[-1])
    counts = {m: int(out.tokens.shape[1]) for m, out in encoded.items()}
    if "->" in stem:
        first, _, second = stem.partition("->")
        if first not in counts or second not in counts:
            return None
        # Most fusions name maps query->key; MulT names them source->target (keys first).
        if (counts[first], counts[second]) == (num_queries, num_keys):
            return AttentionSource(name, layer, first, second)
        if (counts[second], counts[first]) == (num_queries, num_keys):
            return AttentionSource(name, layer, second, first)
        return None
    joint = list(order) if order is not None else list(encoded)
    if stem == "joint" and all(m in counts for m in joint):
        total = sum(counts[m] for m in joint)
        if num_queries == num_keys == total:
            # The joint map relates every modality to every other; callers pick the pair.
            return AttentionSource(name, layer, "", "")
    return None


def joint_source(
    source: AttentionSource,
    query: str,
    key: str,
    encoded: Mapping[str, EncoderOutput],
    order: Sequence[str] | None = None,
) -> AttentionSource:
    """A joint (single-stream) map narrowed to ``query`` tokens attending to ``key`` tokens."""
    offsets = _offsets(list(order) if order is not None else list(encoded), encoded)
    return AttentionSource(source.name, source.layer, query, key, offsets[query], offsets[key])


def image_attention(
    weights: torch.Tensor,
    grid: TokenGrid,
    source: AttentionSource,
    num_queries: int,
    query_mask: torch.Tensor | None = None,
    heads: int | None = None,
) -> ImageAttention:
    """Turns one attention map into per-token and pooled heatmaps over an image's cells.

    Args:
        weights: (B, heads, N_q_all, N_k_all) softmax weights (each row sums to 1 over keys).
        grid: the image tokens' grid, relative to the image modality's first token.
        source: where the query and image tokens sit among the map's queries and keys.
        num_queries: N_query, the query modality's token count.
        query_mask: (B, N_query) bool, True for real query tokens (default: all real).
        heads: one head's map, or the mean over heads (``None``).

    Returns:
        The heatmaps; each sums to 1 over the cells (a query with no weight on any cell gets 0).
    """
    per_head = weights.float()
    chosen = per_head.mean(dim=1) if heads is None else per_head[:, heads]  # (B, N_q_all, N_k_all)
    queries = chosen.narrow(1, source.query_offset, num_queries)
    cells = queries.narrow(2, source.key_offset + grid.prefix, grid.size)  # (B, N_query, cells)
    if query_mask is None:
        query_mask = torch.ones(cells.shape[:2], dtype=torch.bool, device=cells.device)
    mass = cells.sum(dim=-1)
    per_token = cells / mass.clamp(min=1e-12).unsqueeze(-1)
    real = query_mask.to(cells.dtype).unsqueeze(-1)
    summed = (cells * real).sum(dim=1)  # (B, cells)
    pooled = summed / summed.sum(dim=-1, keepdim=True).clamp(min=1e-12)
    batch = cells.shape[0]
    return ImageAttention(
        tokens=per_token.reshape(batch, num_queries, grid.rows, grid.columns),
        pooled=pooled.reshape(batch, grid.rows, grid.columns),
        mass=mass,
        query_mask=query_mask,
        source=source,
    )


@contextmanager
def attentions_returned(model: nn.Module) -> Iterator[int]:
    """Within the block, every submodule with a boolean ``return_attentions`` switch returns
    its attention maps; the switches are restored afterwards.

    Yields:
        How many modules were switched on (0: the model has no attention to show).
    """
    switched = [m for m in model.modules() if isinstance(getattr(m, _SWITCH, None), bool)]
    previous = [bool(getattr(m, _SWITCH)) for m in switched]
    try:
        for module in switched:
            setattr(module, _SWITCH, True)
        yield len(switched)
    finally:
        for module, value in zip(switched, previous, strict=True):
            setattr(module, _SWITCH, value)
