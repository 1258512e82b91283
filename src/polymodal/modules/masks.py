"""Boolean attention masks: True means "this query may attend to this key".

Every mask in polymodal follows that convention (the one of
:func:`torch.nn.functional.scaled_dot_product_attention` for boolean masks and of
``EncoderOutput.mask``), so masks combine with ``&`` and never need flipping.
"""

from __future__ import annotations

import torch


def causal_mask(
    num_queries: int, num_keys: int | None = None, device: torch.device | None = None
) -> torch.Tensor:
    """Lower-triangular mask: query i attends to keys 0..i.

    When there are more keys than queries (queries are the last positions of the key
    sequence, as with cached decoding) the triangle is aligned to the end: query i attends to
    keys ``0 .. i + num_keys - num_queries``.

    Returns:
        (num_queries, num_keys) bool.
    """
    num_keys = num_queries if num_keys is None else num_keys
    if num_keys < num_queries:
        raise ValueError(
            f"a causal mask needs at least as many keys as queries, got {num_keys} keys "
            f"for {num_queries} queries"
        )
    ones = torch.ones(num_queries, num_keys, dtype=torch.bool, device=device)
    return torch.tril(ones, diagonal=num_keys - num_queries)


def attention_mask(
    key_padding_mask: torch.Tensor | None,
    num_queries: int,
    num_keys: int,
    causal: bool = False,
    device: torch.device | None = None,
) -> torch.Tensor | None:
    """Combines a key-padding mask and a causal mask into one mask for attention.

    Args:
        key_padding_mask: (B, N_k) bool, True for real keys; or ``None`` (all real).
        num_queries: N_q.
        num_keys: N_k.
        causal: also forbid attending to later positions.
        device: where to build the causal mask when there is no padding mask.

    Returns:
        A bool mask broadcastable to (B, heads, N_q, N_k) — (B, 1, 1, N_k), (N_q, N_k) or
        (B, 1, N_q, N_k) — or ``None`` when nothing is masked.
    """
    mask: torch.Tensor | None = None
    if key_padding_mask is not None:
        if key_padding_mask.dtype != torch.bool:
            raise TypeError(
                f"key_padding_mask must be bool (True = real token), got {key_padding_mask.dtype}"
            )
        if key_padding_mask.shape[-1] != num_keys:
            raise ValueError(
                f"key_padding_mask covers {key_padding_mask.shape[-1]} keys but there are "
                f"{num_keys} keys"
            )
        mask = key_padding_mask[:, None, None, :]
    if causal:
        where = device if key_padding_mask is None else key_padding_mask.device
        triangle = causal_mask(num_queries, num_keys, device=where)
        mask = triangle if mask is None else mask & triangle
    return mask
