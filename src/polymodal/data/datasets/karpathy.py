"""Karpathy split files: ``dataset_coco.json``, ``dataset_flickr30k.json``, ``dataset_flickr8k``.

Format::

    {"dataset": "coco", "images": [{"filepath": "val2014",          (COCO only)
                                    "filename": "COCO_val2014_000000391895.jpg",
                                    "imgid": 0, "cocoid": 391895,   (cocoid: COCO only)
                                    "split": "train" | "restval" | "val" | "test",
                                    "sentids": [...],
                                    "sentences": [{"raw", "tokens", "imgid", "sentid"}]}]}

``image_id`` is ``cocoid`` when present (so results match the COCO annotation ids), otherwise
``imgid``; caption ids are ``sentid``; captions are the ``raw`` sentences.
"""

from __future__ import annotations

from pathlib import Path

from polymodal.data.datasets._files import field, optional_field, read_json
from polymodal.data.datasets.caption_set import CaptionDataset, CaptionedImage
from polymodal.errors import DataError

SPLITS = ("train", "restval", "val", "test")


def read_karpathy(
    path: Path, image_dir: Path, use_filepath: bool
) -> list[tuple[str, CaptionedImage]]:
    """Parses a Karpathy split file into (split, image) pairs, in file order."""
    data = read_json(path, "Karpathy split file")
    images = field(data, "images", list, path, "the top level")
    parsed = []
    for index, image in enumerate(images):
        where = f"images[{index}]"
        filename = field(image, "filename", str, path, where)
        folder = image_dir
        if use_filepath:
            folder = image_dir / field(image, "filepath", str, path, where)
        image_id = optional_field(image, "cocoid", int, path, where)
        if image_id is None:
            image_id = field(image, "imgid", int, path, where)
        split = field(image, "split", str, path, where)
        if split not in SPLITS:
            raise DataError(f"{path}: {where}.split is {split!r}; expected one of {SPLITS}")
        sentences = field(image, "sentences", list, path, where)
        captions, ids = [], []
        for k, sentence in enumerate(sentences):
            here = f"{where}.sentences[{k}]"
            captions.append(field(sentence, "raw", str, path, here))
            ids.append(optional_field(sentence, "sentid", int, path, here, f"{image_id}/{k}"))
        parsed.append((split, CaptionedImage(image_id, folder / filename, captions, ids)))
    return parsed


def karpathy_captions(
    path: str | Path,
    split: str,
    image_dir: str | Path,
    use_filepath: bool = False,
    name: str = "Karpathy",
    include_restval: bool = True,
    unit: str = "caption",
    limit: int | None = None,
    skip_broken_images: bool = False,
) -> CaptionDataset:
    """One split of a Karpathy split file.

    Args:
        path: the ``dataset_*.json`` file.
        split: ``train``, ``restval``, ``val`` or ``test``.
        image_dir: where the images are.
        use_filepath: images are under ``image_dir/<filepath>/`` (COCO) rather than
            directly in ``image_dir`` (Flickr).
        name: the dataset name, for messages.
        include_restval: ``train`` also takes the ``restval`` images.
        unit, limit, skip_broken_images: see :class:`CaptionDataset`.
    """
    if split not in SPLITS:
        raise DataError(f"{name}: unknown split {split!r}; expected one of {SPLITS}")
    wanted = {split, "restval"} if split == "train" and include_restval else {split}
    images = [
        image
        for image_split, image in read_karpathy(Path(path), Path(image_dir), use_filepath)
        if image_split in wanted
    ]
    return CaptionDataset(
        images,
        f"{name} {split}",
        Path(image_dir),
        unit=unit,
        limit=limit,
        skip_broken_images=skip_broken_images,
    )
