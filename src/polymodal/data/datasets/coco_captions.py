"""COCO Captions (Chen et al. 2015): the official annotation files, and the Karpathy split.

Official layout (``annotations_trainval2014.zip`` and the image zips)::

    ROOT/annotations/captions_<split><year>.json   {"info", "licenses", "images": [{id,
                                                    file_name, height, width, ...}],
                                                    "annotations": [{image_id, id, caption}]}
    ROOT/<split><year>/COCO_<split><year>_000000000009.jpg  (or ROOT/images/<split><year>/)

The Karpathy split (``dataset_coco.json`` from Karpathy's NeuralTalk2 release) reassigns the
train2014 + val2014 images to ``train`` (82,783), ``restval`` (30,504), ``val`` (5,000) and
``test`` (5,000); papers' "COCO Karpathy test" numbers are on its 5,000 test images, and their
training set is train + restval. See :func:`coco_karpathy` and
:mod:`polymodal.data.datasets.karpathy`.
"""

from __future__ import annotations

from pathlib import Path

from polymodal.data.datasets._files import field, find_file, read_json
from polymodal.data.datasets.caption_set import CaptionDataset, CaptionedImage
from polymodal.data.datasets.karpathy import karpathy_captions
from polymodal.errors import DataError

SPLITS = ("train", "val")


def read_captions(path: Path, image_dir: Path) -> list[CaptionedImage]:
    """Parses an official ``captions_*.json`` into images with their captions (file order)."""
    data = read_json(path, "COCO captions file")
    images = field(data, "images", list, path, "the top level")
    annotations = field(data, "annotations", list, path, "the top level")
    by_id: dict[int, CaptionedImage] = {}
    for index, image in enumerate(images):
        where = f"images[{index}]"
        image_id = field(image, "id", int, path, where)
        file_name = field(image, "file_name", str, path, where)
        by_id[image_id] = CaptionedImage(image_id, image_dir / file_name, [], [])
    for index, annotation in enumerate(annotations):
        where = f"annotations[{index}]"
        image_id = field(annotation, "image_id", int, path, where)
        if image_id not in by_id:
            raise DataError(f"{path}: {where}.image_id {image_id} is not in 'images'")
        by_id[image_id].captions.append(field(annotation, "caption", str, path, where))
        by_id[image_id].caption_ids.append(field(annotation, "id", int, path, where))
    return list(by_id.values())


def coco_captions(
    split: str = "train",
    root: str | Path = "data/coco",
    year: int = 2014,
    image_dir: str | Path | None = None,
    unit: str = "caption",
    limit: int | None = None,
    skip_broken_images: bool = False,
) -> CaptionDataset:
    """COCO captions of the official ``train``/``val`` split.

    Args:
        split: ``train`` or ``val``.
        root: the COCO folder.
        year: 2014 or 2017 (file and folder names).
        image_dir: the image folder; default ``ROOT/<split><year>`` or ``ROOT/images/...``.
        unit: one sample per ``caption`` or per ``image`` (see :class:`CaptionDataset`).
        limit: keep only the first ``limit`` images.
        skip_broken_images: drop/skip images that are missing/unreadable, counted.
    """
    if split not in SPLITS:
        raise DataError(f"COCO captions: unknown split {split!r}; expected one of {SPLITS}")
    root = Path(root)
    subset = f"{split}{year}"
    annotations = find_file(
        root,
        [f"annotations/captions_{subset}.json", f"captions_{subset}.json"],
        f"COCO captions {subset} file",
    )
    folder = _image_folder(root, subset, image_dir)
    return CaptionDataset(
        read_captions(annotations, folder),
        f"COCO captions {subset}",
        folder,
        unit=unit,
        limit=limit,
        skip_broken_images=skip_broken_images,
    )


def _image_folder(root: Path, subset: str, image_dir: str | Path | None) -> Path:
    if image_dir is not None:
        return Path(image_dir)
    for candidate in (root / subset, root / "images" / subset):
        if candidate.is_dir():
            return candidate
    raise DataError(
        f"COCO image folder not found; looked for {root / subset} and "
        f"{root / 'images' / subset} (or pass image_dir=)"
    )


def coco_karpathy(
    split: str = "train",
    root: str | Path = "data/coco",
    file: str = "dataset_coco.json",
    image_dir: str | Path | None = None,
    include_restval: bool = True,
    unit: str = "caption",
    limit: int | None = None,
    skip_broken_images: bool = False,
) -> CaptionDataset:
    """COCO in the Karpathy split: ``ROOT/dataset_coco.json`` (or ``ROOT/annotations/...``)
    and images under ``ROOT/<filepath>/<filename>`` (``train2014``/``val2014``).

    Args:
        split: ``train``, ``restval``, ``val`` or ``test``.
        root: the COCO folder.
        file: the Karpathy file name.
        image_dir: the folder holding ``train2014/`` and ``val2014/`` (default ``ROOT``, or
            ``ROOT/images`` when that holds them).
        include_restval: ``train`` also takes the ``restval`` images (113,287 in all), as
            papers train.
        unit, limit, skip_broken_images: as :func:`coco_captions`.
    """
    root = Path(root)
    path = find_file(root, [file, f"annotations/{file}"], "Karpathy COCO split file")
    if image_dir is None:
        image_dir = root / "images" if (root / "images" / "val2014").is_dir() else root
    return karpathy_captions(
        path,
        split,
        Path(image_dir),
        use_filepath=True,
        name="COCO Karpathy",
        include_restval=include_restval,
        unit=unit,
        limit=limit,
        skip_broken_images=skip_broken_images,
    )
