"""Broken images: an error by default; skipped and counted across DataLoader workers on request."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
from tests.data.datasets.official_files import write_coco_captions, write_image, write_json
from torch.utils.data import DataLoader

from polymodal.data.batch import collate
from polymodal.data.datasets._images import SkipLog
from polymodal.data.datasets.coco_captions import coco_captions
from polymodal.errors import DataError


def _big_set(root: Path, count: int = 12, broken: tuple[int, ...] = (3, 7)) -> Path:
    """A COCO captions folder with ``count`` images, of which ``broken`` are truncated."""
    images, annotations = [], []
    for k in range(count):
        name = f"COCO_val2014_{k:012d}.jpg"
        path = write_image(root / "val2014" / name, k)
        if k in broken:
            path.write_bytes(path.read_bytes()[:50])
        images.append({"id": k, "file_name": name})
        annotations.append({"image_id": k, "id": 100 + k, "caption": f"picture {k}"})
    write_json(root / "annotations" / "captions_val2014.json",
               {"images": images, "annotations": annotations})  # fmt: skip
    return root


def test_truncated_image_stops_by_default(tmp_path: Path) -> None:
    data = coco_captions("val", root=_big_set(tmp_path))
    with pytest.raises(DataError, match=r"cannot decode image .*COCO_val2014_000000000003.jpg"):
        [data[k] for k in range(len(data))]


def test_skipped_in_workers_are_counted_in_the_main_process(tmp_path: Path) -> None:
    data = coco_captions("val", root=_big_set(tmp_path), skip_broken_images=True)
    assert data.skipped == 0 and data.skip_report() is None
    loader = DataLoader(data, batch_size=4, num_workers=2, collate_fn=collate)
    for _ in range(2):  # two epochs: each broken sample counts once
        ids = [i for batch in loader for i in batch["id"]]
        assert len(ids) == 12 and 103 not in ids and 107 not in ids
        assert ids.count(104) == 2 and ids.count(108) == 2  # the next sample stands in
    assert data.skipped == 2
    report = data.skip_report() or ""
    assert report.startswith("COCO captions val2014: 2 sample(s) skipped for unreadable images")


def test_missing_files_are_dropped_and_counted(tmp_path: Path) -> None:
    root = write_coco_captions(tmp_path)
    (root / "val2014" / "COCO_val2014_000000391895.jpg").unlink()
    with pytest.raises(
        DataError,
        match=r"1 image file\(s\) missing from .*val2014, e.g. COCO_val2014_000000391895.jpg",
    ):
        coco_captions("val", root=root)
    data = coco_captions("val", root=root, skip_broken_images=True)
    assert len(data) == 1 and data.skipped == 2  # the image had two captions
    assert "2 sample(s) dropped for missing image files" in (data.skip_report() or "")


def test_skip_log_copies_keep_counts() -> None:
    log = SkipLog(size=5)
    log.record(2, "bad")
    log.record(2, "bad again")
    assert log.count == 1 and log.example == "bad"
    for clone in (copy.deepcopy(log), pickle.loads(pickle.dumps(log))):
        assert clone.count == 1 and clone.example == "bad"
        clone.record(4, "other")
        assert clone.count == 2 and log.count == 1  # copies do not share counters
    stream = SkipLog()
    stream.record(None, "x")
    stream.record(None, "y")
    assert stream.count == 2


def test_too_many_consecutive_broken_images(tmp_path: Path) -> None:
    data = coco_captions(
        "val", root=_big_set(tmp_path, count=3, broken=(0, 1, 2)), skip_broken_images=True
    )
    with pytest.raises(
        DataError, match="3 consecutive samples from index 1 have unreadable images"
    ):
        data[1]
