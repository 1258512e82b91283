"""Retrieval recall@K and ranks with several captions per image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from polymodal.metrics.retrieval import RetrievalMetrics, retrieval_metrics, retrieval_ranks

# 3 images, 6 texts: texts 0,1 → image 0; 2,3 → image 1; 4,5 → image 2.
TEXT_IMAGE = torch.tensor([0, 0, 1, 1, 2, 2])
SIMILARITY = torch.tensor(
    [
        [0.9, 0.1, 0.8, 0.0, 0.0, 0.0],  # image 0: its text 0 ranks 1st
        [0.7, 0.6, 0.5, 0.4, 0.3, 0.2],  # image 1: its best text (2) ranks 3rd
        [0.9, 0.8, 0.7, 0.6, 0.5, 0.1],  # image 2: its best text (4) ranks 5th
    ]
)


def test_ranks_by_hand() -> None:
    image_to_text, text_to_image = retrieval_ranks(SIMILARITY, TEXT_IMAGE)
    assert image_to_text.tolist() == [1, 3, 5]
    # Text j's rank among images by column: text 0 → image 0 (0.9) tied with image 2 (0.9):
    # ties do not push the ground truth down; text 1: 0.1 < 0.6, 0.8 → 3rd.
    assert text_to_image.tolist() == [1, 3, 3, 2, 1, 2]


def test_metrics_by_hand() -> None:
    results = retrieval_metrics(SIMILARITY, TEXT_IMAGE, recall_at=(1, 5))
    assert results["i2t_recall@1"] == pytest.approx(100 / 3)
    assert results["i2t_recall@5"] == pytest.approx(100.0)
    assert results["t2i_recall@1"] == pytest.approx(200 / 6)
    assert results["i2t_median_rank"] == 3.0
    assert results["i2t_mean_rank"] == pytest.approx(3.0)
    assert results["t2i_mean_rank"] == pytest.approx(2.0)
    assert results["t2i_median_rank"] == 2.0
    assert results["mean_recall"] == pytest.approx(np.mean([100 / 3, 100, 200 / 6, 100]))


def test_median_rank_follows_vsepp() -> None:
    # Image i's own text is beaten by the i texts before it: ranks 1, 2, 3, 4. VSE++ reports
    # floor(median(rank - 1)) + 1 = floor(1.5) + 1 = 2, where numpy's median would be 2.5.
    rows, columns = np.indices((4, 4))
    similarity = np.where(columns < rows, 1.0, np.where(columns == rows, 0.5, 0.0))
    assert retrieval_ranks(torch.from_numpy(similarity), torch.arange(4))[0].tolist() == [
        1,
        2,
        3,
        4,
    ]
    assert retrieval_metrics(similarity, np.arange(4))["i2t_median_rank"] == 2.0


def test_embeddings_dedupe_images_and_merge() -> None:
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(4, 8, generator=generator)
    texts = images.repeat_interleave(2, dim=0) + 0.3 * torch.randn(8, 8, generator=generator)
    owners = [f"img{i // 2}" for i in range(8)]
    whole = RetrievalMetrics()
    # One sample per caption: each image arrives twice.
    whole.update(
        [f"img{i // 2}" for i in range(8)], images.repeat_interleave(2, dim=0), owners, texts
    )
    first, second = RetrievalMetrics(), RetrievalMetrics()
    first.update(owners[:4], images.repeat_interleave(2, dim=0)[:4], owners[:4], texts[:4])
    second.update(owners[4:], images.repeat_interleave(2, dim=0)[4:], owners[4:], texts[4:])
    first.merge(second.state())
    normalized = torch.nn.functional.normalize
    expected = retrieval_metrics(
        normalized(images, dim=1) @ normalized(texts, dim=1).T, torch.arange(8) // 2
    )
    assert whole.compute() == pytest.approx(expected)
    assert first.compute() == pytest.approx(expected)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least one text"):
        retrieval_ranks(torch.zeros(2, 2), torch.tensor([0, 0]))
    metric = RetrievalMetrics()
    metric.update(["a"], torch.ones(1, 2), ["b"], torch.ones(1, 2))
    with pytest.raises(ValueError, match="never added"):
        metric.compute()
