"""Image–text matching (ITM) with hard negatives drawn from the contrastive similarities
(ALBEF, Li et al. 2021, §3.2): for each image a text, and for each text an image, sampled in
proportion to softmax(similarity) over the *other* pairs of the batch, so the negatives the
fusion encoder sees are the confusable ones."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _negative_weights(similarity: torch.Tensor, ids: torch.Tensor | None) -> torch.Tensor:
    """softmax(similarity) per row with the row's positives given weight 0."""
    size = similarity.shape[0]
    positives = torch.eye(size, dtype=torch.bool, device=similarity.device)
    if ids is not None:
        positives = positives | (ids.unsqueeze(0) == ids.unsqueeze(1))
    weights = F.softmax(similarity.detach().float(), dim=-1).masked_fill(positives, 0.0)
    # A row whose every other pair is a positive (one image in the batch) has nothing to draw.
    empty = weights.sum(dim=-1) <= 0
    if bool(empty.any()):
        raise ValueError(
            "sample_hard_negatives: a row has no negative (every pair of the batch shares its "
            "id); batches need at least two different images"
        )
    return weights


def sample_hard_negatives(
    similarity: torch.Tensor,
    ids: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One hard negative per image and per text.

    Args:
        similarity: (B, B) image-text scores; row i is image i, column j text j; pair (i, i)
            matches.
        ids: (B,) optional image identities; pairs with equal ids are never negatives.
        generator: random generator (``None``: the global one).

    Returns:
        ``negative_text`` (B,): the text index drawn for each image, and ``negative_image``
        (B,): the image index drawn for each text.
    """
    if similarity.dim() != 2 or similarity.shape[0] != similarity.shape[1]:
        raise ValueError(f"similarity must be (B, B), got {tuple(similarity.shape)}")
    negative_text = torch.multinomial(_negative_weights(similarity, ids), 1, generator=generator)
    negative_image = torch.multinomial(_negative_weights(similarity.T, ids), 1, generator=generator)
    return negative_text.squeeze(1), negative_image.squeeze(1)


def itm_targets(batch_size: int, device: torch.device | None = None) -> torch.Tensor:
    """Labels of the ITM rows in the order the models stack them: B matching pairs (1), then
    B images with negative texts and B texts with negative images (0). Shape (3B,)."""
    return torch.cat(
        [
            torch.ones(batch_size, dtype=torch.long, device=device),
            torch.zeros(2 * batch_size, dtype=torch.long, device=device),
        ]
    )


def itm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of (N, 2) match logits (class 1: the pair matches) against (N,) labels."""
    return F.cross_entropy(logits.float(), labels)
