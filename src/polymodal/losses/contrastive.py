"""Symmetric InfoNCE between image and text embeddings (CLIP, Radford et al. 2021; the ITC
objective of ALBEF, Li et al. 2021), with negatives from every process of a distributed run."""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def gather_with_grad(local: torch.Tensor) -> torch.Tensor:
    """Every process's rows, concatenated in rank order; gradients flow through this process's
    own rows only (the others are constants here and get their gradients in their own process,
    so summing the processes' gradients — as DDP does — gives the full-batch gradient).

    Shapes:
        local: (B, ...) with the same B on every process → (world_size · B, ...).
    """
    if not _distributed():
        return local
    parts = [torch.empty_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, local.detach().contiguous())
    parts[dist.get_rank()] = local
    return torch.cat(parts)


def _targets(ids: torch.Tensor | None, total: int, device: torch.device) -> torch.Tensor:
    """(N, N) target distribution: the identity, or spread evenly over every pair with the same
    id (several captions of one image in a batch are not negatives of each other)."""
    if ids is None:
        return torch.eye(total, device=device)
    same = (ids.unsqueeze(1) == ids.unsqueeze(0)).float()
    return same / same.sum(dim=1, keepdim=True)


def contrastive_loss(
    image_embeddings: torch.Tensor,
    text_embeddings: torch.Tensor,
    logit_scale: torch.Tensor | float,
    ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean of the image→text and text→image cross-entropies over cosine similarities.

    In a distributed run every process gathers all processes' embeddings (its own rows keep
    their gradients) and computes the loss over the whole global batch, as open_clip does
    without ``local_loss``: each process's loss is the global-batch loss, and the gradient
    reaching its own embeddings is exactly that of the global-batch loss. (DDP then averages
    the processes' parameter gradients, i.e. scales the global-batch gradient by
    1/world_size, a constant an adaptive optimizer does not notice.)

    Args:
        image_embeddings: (B, E), not necessarily normalised.
        text_embeddings: (B, E), row i paired with image row i.
        logit_scale: the inverse temperature (a scalar; CLIP learns its log).
        ids: (B,) optional image identities: rows sharing an id are all positives of each
            other (soft targets), as when a batch holds two captions of one image.

    Returns:
        The scalar loss.
    """
    if image_embeddings.shape != text_embeddings.shape or image_embeddings.dim() != 2:
        raise ValueError(
            "contrastive_loss needs image and text embeddings of one shape (B, E); got "
            f"{tuple(image_embeddings.shape)} and {tuple(text_embeddings.shape)}"
        )
    images = gather_with_grad(F.normalize(image_embeddings.float(), dim=-1))
    texts = gather_with_grad(F.normalize(text_embeddings.float(), dim=-1))
    all_ids = gather_with_grad(ids) if ids is not None else None
    targets = _targets(all_ids, images.shape[0], images.device)
    image_to_text = logit_scale * images @ texts.T  # (N, N), N = world_size · B
    loss_images = -(targets * F.log_softmax(image_to_text, dim=1)).sum(dim=1).mean()
    loss_texts = -(targets * F.log_softmax(image_to_text.T, dim=1)).sum(dim=1).mean()
    return (loss_images + loss_texts) / 2
