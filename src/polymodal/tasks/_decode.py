"""Turning logits over a label vocabulary into labels."""

from __future__ import annotations

import torch

from polymodal.tasks.labels import LabelVocabulary


def decode_labels(
    logits: torch.Tensor, vocabulary: LabelVocabulary, top_k: int, multi_label: bool = False
) -> list[str] | list[list[tuple[str, float]]]:
    """(B, C) logits → the best label per row, or its ``top_k`` (label, probability) pairs.

    Probabilities are a softmax, or independent sigmoids when ``multi_label``.
    """
    if top_k == 1:
        return [vocabulary.labels[i] for i in logits.argmax(dim=-1).tolist()]
    logits = logits.float()
    probabilities = torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)
    values, indices = probabilities.topk(min(top_k, logits.shape[-1]), dim=-1)
    return [
        [(vocabulary.labels[i], p) for i, p in zip(row_i, row_p, strict=True)]
        for row_i, row_p in zip(indices.tolist(), values.tolist(), strict=True)
    ]
