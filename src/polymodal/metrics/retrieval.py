"""Cross-modal retrieval: recall@K, median and mean rank, image→text and text→image.

Conventions (those of VSE++ and the retrieval code LAVIS and ALBEF share), stated because
papers mix them:

* several texts (captions) per image; image→text counts a hit when *any* of the image's texts
  is within the top K, so the image's rank is that of its best-ranked text; text→image ranks
  the one image the text belongs to;
* ranks start at 1; candidates tied with the ground truth do not push it down (with
  continuous scores ties do not happen);
* ``*_median_rank`` is ``floor(median(rank - 1)) + 1`` as in VSE++ (for an even count it
  can be below the numpy median of the ranks); ``*_mean_rank`` is the plain mean;
* recalls are percentages.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import torch

from polymodal.metrics._arrays import to_numpy

RECALL_AT = (1, 5, 10)


def retrieval_ranks(
    similarity: torch.Tensor, text_image: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """1-based ranks of the ground truth in each direction.

    Args:
        similarity: (I, T) image-text scores, higher is more similar.
        text_image: (T,) index of each text's image.

    Returns:
        image→text ranks (I,) and text→image ranks (T,).
    """
    images, texts = similarity.shape
    if text_image.shape != (texts,):
        raise ValueError(f"text_image has shape {tuple(text_image.shape)}, expected ({texts},)")
    owns = torch.zeros(images, texts, dtype=torch.bool, device=similarity.device)
    owns[text_image, torch.arange(texts, device=similarity.device)] = True
    if not bool(owns.any(dim=1).all()):
        raise ValueError("every image needs at least one text")
    best_own = similarity.masked_fill(~owns, float("-inf")).max(dim=1, keepdim=True).values
    image_to_text = (similarity > best_own).sum(dim=1) + 1
    own_score = similarity[text_image, torch.arange(texts, device=similarity.device)]
    text_to_image = (similarity > own_score.unsqueeze(0)).sum(dim=0) + 1
    return image_to_text, text_to_image


def _summaries(ranks: torch.Tensor, prefix: str, recall_at: Sequence[int]) -> dict[str, float]:
    values = ranks.to("cpu", torch.float64).numpy()
    results = {f"{prefix}_recall@{k}": 100.0 * float(np.mean(values <= k)) for k in recall_at}
    results[f"{prefix}_median_rank"] = float(np.floor(np.median(values - 1)) + 1)
    results[f"{prefix}_mean_rank"] = float(np.mean(values))
    return results


def retrieval_metrics(
    similarity: Any, text_image: Any, recall_at: Sequence[int] = RECALL_AT
) -> dict[str, float]:
    """Recall@K, median and mean rank in both directions, and their mean recall.

    Args:
        similarity: (I, T) image-text scores (tensor or array).
        text_image: (T,) index of each text's image.
        recall_at: the K values.

    Returns:
        ``i2t_recall@K``, ``t2i_recall@K``, ``{i2t,t2i}_{median,mean}_rank`` and
        ``mean_recall`` (the mean of all the recalls, often reported as "RSUM / 6").
    """
    scores = torch.as_tensor(to_numpy(similarity, np.float64))
    owners = torch.as_tensor(to_numpy(text_image, np.int64))
    image_to_text, text_to_image = retrieval_ranks(scores, owners)
    results = _summaries(image_to_text, "i2t", recall_at)
    results.update(_summaries(text_to_image, "t2i", recall_at))
    recalls = [value for key, value in results.items() if "recall@" in key]
    results["mean_recall"] = float(np.mean(recalls))
    return results


class RetrievalMetrics:
    """Retrieval metrics from image and text embeddings gathered batch by batch.

    Embeddings are compared by dot product (cosine when ``normalize``). Images are identified
    by id, so an image repeated in several batches (one sample per caption) is kept once.

    Args:
        normalize: L2-normalise embeddings before comparing them.
        recall_at: the K values.
    """

    def __init__(self, normalize: bool = True, recall_at: Sequence[int] = RECALL_AT) -> None:
        self.normalize = normalize
        self.recall_at = tuple(recall_at)
        self.reset()

    def reset(self) -> None:
        self._images: dict[Hashable, np.ndarray] = {}
        self._texts: list[tuple[Hashable, np.ndarray]] = []

    def update(
        self,
        image_ids: Sequence[Hashable] = (),
        image_embeddings: Any = None,
        text_image_ids: Sequence[Hashable] = (),
        text_embeddings: Any = None,
    ) -> None:
        """Adds images (B_i, D) and/or texts (B_t, D), each text naming its image's id."""
        if image_embeddings is not None:
            images = to_numpy(image_embeddings, np.float32)
            if len(images) != len(image_ids):
                raise ValueError(f"{len(image_ids)} image ids for {len(images)} image embeddings")
            for key, row in zip(image_ids, images, strict=True):
                self._images.setdefault(key, row)
        if text_embeddings is not None:
            texts = to_numpy(text_embeddings, np.float32)
            if len(texts) != len(text_image_ids):
                raise ValueError(
                    f"{len(text_image_ids)} text image ids for {len(texts)} text embeddings"
                )
            self._texts.extend(zip(text_image_ids, texts, strict=True))

    def state(self) -> dict[str, Any]:
        return {"images": dict(self._images), "texts": list(self._texts)}

    def merge(self, state: dict[str, Any]) -> None:
        for key, row in state["images"].items():
            self._images.setdefault(key, row)
        self._texts.extend(state["texts"])

    def compute(self) -> dict[str, float]:
        if not self._images or not self._texts:
            return {}
        index = {key: position for position, key in enumerate(self._images)}
        unknown = {key for key, _ in self._texts if key not in index}
        if unknown:
            raise ValueError(f"texts refer to images never added: {sorted(map(str, unknown))[:5]}")
        images = torch.from_numpy(np.stack(list(self._images.values())))
        texts = torch.from_numpy(np.stack([row for _, row in self._texts]))
        if self.normalize:
            images = torch.nn.functional.normalize(images, dim=1)
            texts = torch.nn.functional.normalize(texts, dim=1)
        owners = torch.tensor([index[key] for key, _ in self._texts])
        return retrieval_metrics(images @ texts.T, owners, self.recall_at)
