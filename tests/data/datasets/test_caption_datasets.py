"""COCO Captions (official and Karpathy), Flickr30k, Conceptual Captions, tar shards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.data.datasets.official_files import (
    CC_ROWS,
    image_bytes,
    write_coco_captions,
    write_conceptual_captions,
    write_karpathy,
    write_shard,
)
from torch.utils.data import DataLoader

from polymodal.data.datasets.coco_captions import coco_captions, coco_karpathy
from polymodal.data.datasets.conceptual_captions import conceptual_captions
from polymodal.data.datasets.flickr30k import flickr30k
from polymodal.data.datasets.webdataset import WebDatasetShards, expand_shards
from polymodal.errors import DataError


def test_coco_captions_by_caption_and_by_image(tmp_path: Path) -> None:
    root = write_coco_captions(tmp_path)
    captions = coco_captions("val", root=root)
    assert len(captions) == 3
    first = captions[0]
    assert first["id"] == 770337 and first["image_id"] == 391895
    assert first["caption"] == "A man riding a bike down a road."
    assert first["captions"] == ["A man riding a bike down a road.", "A person on a bicycle."]
    assert first["image"].shape == (3, 16, 24)
    images = coco_captions("val", root=root, unit="image")
    assert len(images) == 2 and "caption" not in images[1]
    assert images[1]["captions"] == ["A woman cutting a cake."]


def test_coco_captions_errors(tmp_path: Path) -> None:
    root = write_coco_captions(tmp_path)
    path = root / "annotations" / "captions_val2014.json"
    content = json.loads(path.read_text())
    content["annotations"][2]["image_id"] = 5
    path.write_text(json.dumps(content))
    with pytest.raises(DataError, match=r"annotations\[2\].image_id 5 is not in 'images'"):
        coco_captions("val", root=root)
    content["annotations"][2]["image_id"] = 391895
    del content["annotations"][2]["caption"]
    path.write_text(json.dumps(content))
    with pytest.raises(
        DataError, match=r"captions_val2014.json: annotations\[2\] has no field 'caption'"
    ):
        coco_captions("val", root=root)
    with pytest.raises(DataError, match="COCO captions train2014 file not found"):
        coco_captions("train", root=root)


def test_karpathy_coco_splits(tmp_path: Path) -> None:
    root = write_karpathy(tmp_path, coco=True)
    train = coco_karpathy("train", root=root, unit="image")
    assert train.field_values("image_id") == [100, 101]  # train + restval, cocoid as id
    assert len(coco_karpathy("train", root=root, include_restval=False, unit="image")) == 1
    test = coco_karpathy("test", root=root)
    assert len(test) == 4  # 2 images × 2 sentences
    assert test[0]["caption"] == "A dog 3 runs." and test[0]["id"] == 15
    assert test.images[0].path == root / "val2014" / "COCO_val2014_000000000103.jpg"
    assert test[0]["image"].shape == (3, 16, 24)


def test_flickr30k(tmp_path: Path) -> None:
    root = write_karpathy(tmp_path, coco=False)
    test = flickr30k("test", root=root, unit="image")
    assert test.field_values("image_id") == [3, 4]  # imgid when there is no cocoid
    assert test[1]["captions"] == ["A dog 4 runs.", "A dog 4 runs."]
    assert test.images[0].path.parent.name == "flickr30k-images"
    with pytest.raises(DataError, match="unknown split 'dev'"):
        flickr30k("dev", root=root)


@pytest.mark.parametrize("naming", ["index_crc", "crc", "img2dataset"])
def test_conceptual_captions_downloader_layouts(tmp_path: Path, naming: str) -> None:
    root = write_conceptual_captions(tmp_path, naming=naming)
    data = conceptual_captions("val", root=root)
    assert data.field_values("id") == [0, 2]  # row 1 was never downloaded
    assert data[1]["caption"] == CC_ROWS[2][0]
    assert data[1]["image"].shape == (3, 12, 20)
    assert data.undownloaded == 1
    assert "1 row(s) have no downloaded image" in (data.skip_report() or "")


def test_conceptual_captions_html_instead_of_image(tmp_path: Path) -> None:
    root = write_conceptual_captions(tmp_path, skip_rows=())
    crc_name = next(p for p in (root / "validation").iterdir() if p.name.startswith("0_"))
    crc_name.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DataError, match=r"cannot decode image .*0_\d+: .*skip_broken_images=True"):
        conceptual_captions("val", root=root)[0]
    data = conceptual_captions("val", root=root, skip_broken_images=True)
    assert data[0]["id"] == 1  # replaced by the next readable sample
    assert data.skipped == 1
    (root / "Validation_GCC-1.1.0-Validation.tsv").write_text("just a caption\n")
    with pytest.raises(DataError, match=r"line 1 has 1 column\(s\); expected caption<TAB>url"):
        conceptual_captions("val", root=root)


def test_shard_patterns() -> None:
    assert expand_shards("cc-{000..002}.tar") == ["cc-000.tar", "cc-001.tar", "cc-002.tar"]
    assert expand_shards("{a,b}/{1..2}.tar") == ["a/1.tar", "a/2.tar", "b/1.tar", "b/2.tar"]


def _shards(folder: Path) -> Path:
    write_shard(folder / "00000.tar", [("000000000", image_bytes(0), "a red square"),
                                       ("000000001", image_bytes(1), "a green one")])  # fmt: skip
    write_shard(folder / "00001.tar", [("000010000", image_bytes(2), "blue")])
    return folder


def test_webdataset_streams_shards(tmp_path: Path) -> None:
    data = WebDatasetShards("{00000..00001}.tar", root=_shards(tmp_path))
    samples = list(data)
    assert [s["id"] for s in samples] == ["000000000", "000000001", "000010000"]
    assert samples[1]["caption"] == "a green one" and samples[2]["shard"] == "00001.tar"
    assert samples[0]["image"].shape == (3, 12, 20)
    assert data.field_values("caption") == ["a red square", "a green one", "blue"]


def test_webdataset_workers_read_each_sample_once(tmp_path: Path) -> None:
    data = WebDatasetShards("*.tar", root=_shards(tmp_path))
    loader = DataLoader(data, batch_size=None, num_workers=2)
    assert sorted(s["id"] for s in loader) == ["000000000", "000000001", "000010000"]


def test_webdataset_errors_and_skips(tmp_path: Path) -> None:
    write_shard(tmp_path / "bad.tar", [("k0", b"not an image", "x"), ("k1", image_bytes(1), "y")])
    with pytest.raises(DataError, match=r"cannot decode image .*bad.tar:k0.jpg"):
        list(WebDatasetShards("bad.tar", root=tmp_path))
    skipping = WebDatasetShards("bad.tar", root=tmp_path, skip_broken_images=True)
    assert [s["id"] for s in skipping] == ["k1"] and skipping.skipped == 1
    write_shard(tmp_path / "nocaption.tar", [("k0", image_bytes(0), None)])
    with pytest.raises(DataError, match=r"nocaption.tar: sample 'k0' has no .txt member"):
        list(WebDatasetShards("nocaption.tar", root=tmp_path))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes((tmp_path / "bad.tar").read_bytes()[:700])
    with pytest.raises(DataError, match=r"shard .*truncated.tar: cannot read tar"):
        list(WebDatasetShards("truncated.tar", root=tmp_path))
    with pytest.raises(DataError, match="no shard matches"):
        WebDatasetShards("missing-*.tar", root=tmp_path)
