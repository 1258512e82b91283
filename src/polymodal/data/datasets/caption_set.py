"""Images with reference captions, as one sample per caption or one per image.

COCO Captions, the Karpathy splits (COCO, Flickr30k) and Conceptual Captions all reduce to a
list of :class:`CaptionedImage`; :class:`CaptionDataset` serves them. One sample per caption
suits caption-model training and image-text contrastive training; one per image suits caption
evaluation (all references together) and retrieval.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from torch.utils.data import Dataset

from polymodal.data.datasets._images import BrokenImages, read_image
from polymodal.errors import DataError

UNITS = ("caption", "image")


class CaptionedImage(NamedTuple):
    """One image and its reference captions."""

    image_id: int | str
    path: Path
    captions: list[str]
    caption_ids: list[int | str]


class CaptionDataset(Dataset[dict[str, Any]]):
    """Captioned images, indexed by caption or by image.

    Args:
        images: the images with their captions (images without captions are dropped).
        name: the dataset and split, for messages (``"COCO captions val2014"``).
        image_dir: the folder the images are in, for messages.
        unit: ``"caption"`` — one sample per caption — or ``"image"`` — one per image.
        limit: keep only the first ``limit`` images.
        skip_broken_images: drop images whose file is missing and skip those that cannot be
            decoded, counting both (:attr:`skipped`, :meth:`skip_report`).
        check_files: check at construction that every image file exists.
        undownloaded: rows the caller dropped because their image was never downloaded
            (Conceptual Captions' dead links), reported by :meth:`skip_report`.

    Each sample: ``id`` (the caption id, or the image id with ``unit="image"``), ``image``
    ((3, H, W) uint8), ``caption`` (str; only with ``unit="caption"``), ``captions`` (every
    reference of the image), ``image_id``.
    """

    def __init__(
        self,
        images: Sequence[CaptionedImage],
        name: str,
        image_dir: Path,
        unit: str = "caption",
        limit: int | None = None,
        skip_broken_images: bool = False,
        check_files: bool = True,
        undownloaded: int = 0,
    ) -> None:
        if unit not in UNITS:
            raise DataError(f"{name}: unit must be one of {UNITS}, got {unit!r}")
        self.name = name
        self.unit = unit
        self.image_dir = image_dir
        self.undownloaded = undownloaded
        kept = [image for image in images if image.captions]
        if limit is not None:
            kept = kept[:limit]
        self._broken = BrokenImages(skip_broken_images, name)
        if check_files:
            missing = self._broken.drop_missing((i.path for i in kept), image_dir)
            if missing:
                before = self._count(kept)
                kept = [image for image in kept if image.path not in missing]
                self._broken.missing = before - self._count(kept)
        self.images = kept
        # (image row, caption position) per sample; position -1 means the whole image.
        self._index = [
            (row, position)
            for row, image in enumerate(kept)
            for position in (range(len(image.captions)) if unit == "caption" else [-1])
        ]
        self._broken.resize(len(self._index))

    def _count(self, images: Sequence[CaptionedImage]) -> int:
        return sum(len(i.captions) for i in images) if self.unit == "caption" else len(images)

    def image_files(self) -> list[Path]:
        return [image.path for image in self.images]

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without reading images."""
        if field not in ("id", "caption", "captions", "image_id") or (
            field == "caption" and self.unit == "image"
        ):
            raise KeyError(f"{self.name} has no field {field!r} to list")
        return [self._fields(row, position)[field] for row, position in self._index]

    def _fields(self, row: int, position: int) -> dict[str, Any]:
        image = self.images[row]
        if position < 0:
            return {
                "id": image.image_id,
                "captions": list(image.captions),
                "image_id": image.image_id,
            }
        return {
            "id": image.caption_ids[position],
            "caption": image.captions[position],
            "captions": list(image.captions),
            "image_id": image.image_id,
        }

    @property
    def skipped(self) -> int:
        return self._broken.skipped

    def skip_report(self) -> str | None:
        """One line for the run log about dropped and skipped samples, or ``None``."""
        report = self._broken.report()
        if not self.undownloaded:
            return report
        line = f"{self.undownloaded} row(s) have no downloaded image"
        return f"{report}; {line}" if report else f"{self.name}: {line}"

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._broken.fetch(index, len(self), self._read)

    def _read(self, index: int) -> dict[str, Any]:
        row, position = self._index[index]
        fields = self._fields(row, position)
        return {"id": fields.pop("id"), "image": read_image(self.images[row].path), **fields}
