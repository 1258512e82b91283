"""Flickr30k (Young et al. 2014) in the Karpathy split.

Layout::

    ROOT/dataset_flickr30k.json          Karpathy split file (29,000 train / 1,014 val /
                                         1,000 test images, five captions each)
    ROOT/flickr30k-images/1000092795.jpg (or ROOT/images/)

The retrieval numbers papers report (R@1/5/10, image→text and text→image) are on the 1,000
test images and their 5,000 captions: use ``unit="image"``.
"""

from __future__ import annotations

from pathlib import Path

from polymodal.data.datasets._files import find_file
from polymodal.data.datasets.caption_set import CaptionDataset
from polymodal.data.datasets.karpathy import karpathy_captions


def flickr30k(
    split: str = "train",
    root: str | Path = "data/flickr30k",
    file: str = "dataset_flickr30k.json",
    image_dir: str | Path | None = None,
    unit: str = "caption",
    limit: int | None = None,
    skip_broken_images: bool = False,
) -> CaptionDataset:
    """Flickr30k images with their five captions.

    Args:
        split: ``train``, ``val`` or ``test``.
        root: the Flickr30k folder.
        file: the Karpathy file name.
        image_dir: the image folder; default ``ROOT/flickr30k-images`` or ``ROOT/images``.
        unit: one sample per ``caption`` or per ``image``.
        limit: keep only the first ``limit`` images.
        skip_broken_images: drop/skip images that are missing/unreadable, counted.
    """
    root = Path(root)
    path = find_file(root, [file, f"annotations/{file}"], "Flickr30k Karpathy split file")
    if image_dir is None:
        image_dir = root / "flickr30k-images"
        if not image_dir.is_dir() and (root / "images").is_dir():
            image_dir = root / "images"
    return karpathy_captions(
        path,
        split,
        Path(image_dir),
        name="Flickr30k",
        unit=unit,
        limit=limit,
        skip_broken_images=skip_broken_images,
    )
