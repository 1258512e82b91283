"""Masked language modelling conditioned on the image (BERT's masking, Devlin et al. 2019,
applied to the fusion encoder's text tokens as in ALBEF, Li et al. 2021)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100
"""Label of a token that is not predicted (cross-entropy's ``ignore_index``)."""


def mask_tokens(
    ids: torch.Tensor,
    mask: torch.Tensor,
    mask_id: int,
    vocab_size: int,
    probability: float = 0.15,
    generator: torch.Generator | None = None,
    keep_ids: tuple[int, ...] = (),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Chooses tokens to predict and corrupts them: of the chosen, 80 % become ``mask_id``,
    10 % a random token, 10 % stay as they are.

    Every sequence gets at least one chosen token (its position drawn uniformly), so no
    caption passes through a step without a prediction to make.

    Args:
        ids: (B, L) token ids.
        mask: (B, L) bool, True for real tokens (padding is never chosen).
        mask_id: the id that replaces chosen tokens.
        vocab_size: random replacements are drawn from ``[0, vocab_size)``, avoiding
            ``keep_ids``.
        probability: the chance that a real token is chosen.
        generator: random generator (``None``: the global one).
        keep_ids: ids never chosen and never drawn as replacements (padding, special tokens).

    Returns:
        ``masked_ids`` (B, L) and ``labels`` (B, L): the original id where chosen, else
        :data:`IGNORE_INDEX`.
    """
    if not 0.0 < probability <= 1.0:
        raise ValueError(f"probability must be in (0, 1], got {probability}")
    if ids.shape != mask.shape:
        raise ValueError(f"ids {tuple(ids.shape)} and mask {tuple(mask.shape)} differ in shape")
    device = ids.device
    eligible = mask.clone()
    for kept in keep_ids:
        eligible &= ids != kept
    uniform = torch.rand(ids.shape, generator=generator, device=device)
    chosen = eligible & (uniform < probability)
    # One forced choice per sequence that has an eligible token: the eligible position with
    # the lowest random number.
    has_eligible = eligible.any(dim=1)
    forced = uniform.masked_fill(~eligible, 2.0).argmin(dim=1)
    rows = torch.arange(ids.shape[0], device=device)[has_eligible]
    chosen[rows, forced[has_eligible]] = True
    labels = ids.masked_fill(~chosen, IGNORE_INDEX)
    action = torch.rand(ids.shape, generator=generator, device=device)
    replace_mask = chosen & (action < 0.8)
    replace_random = chosen & (action >= 0.8) & (action < 0.9)
    allowed = torch.ones(vocab_size, device=device)
    for kept in keep_ids:
        if 0 <= kept < vocab_size:
            allowed[kept] = 0.0
    random_ids = torch.multinomial(
        allowed, ids.numel(), replacement=True, generator=generator
    ).view_as(ids)
    masked = ids.masked_fill(replace_mask, mask_id)
    masked = torch.where(replace_random, random_ids, masked)
    return masked, labels


def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the chosen tokens.

    Shapes:
        logits: (B, L, V); labels: (B, L) with :data:`IGNORE_INDEX` where nothing is predicted.
    """
    if not bool((labels != IGNORE_INDEX).any()):
        raise ValueError("mlm_loss: no token is labelled for prediction")
    return F.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE_INDEX
    )
