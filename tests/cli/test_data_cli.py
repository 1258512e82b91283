"""``polymodal data``: list, check (every dataset, from official-format fixtures), convert,
generate — and one clear error line for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.data.datasets.official_files import (
    image_bytes,
    write_clevr,
    write_coco_captions,
    write_conceptual_captions,
    write_gqa,
    write_karpathy,
    write_mmsa_pickle,
    write_multibench_pickle,
    write_semaine,
    write_shard,
    write_vqa_v2,
)

from polymodal.cli import main
from polymodal.data.datasets.catalog import CATALOG
from polymodal.data.datasets.mosi import MOSI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status, out, _ = run(capsys, "data", "check", *argv, "--json")
    return status, json.loads(out)


def test_list_shows_every_dataset_and_its_files(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "list")
    assert status == 0
    for entry in CATALOG:
        assert f"{entry.name}  ({entry.component})" in out
    assert "v2_mscoco_<train2014|val2014>_annotations.json" in out
    status, out, _ = run(capsys, "data", "list", "--json")
    assert {row["name"] for row in json.loads(out)} >= {"vqa_v2", "clevr", "gqa", "mosi", "semaine"}


def _mosi(root: Path) -> Path:
    write_mmsa_pickle(root / "unaligned_50.pkl")
    return root


def _iemocap(root: Path) -> Path:
    write_multibench_pickle(root / "iemocap_data.pkl", labels_shape=(4, 2))
    return root


def _shards(root: Path) -> Path:
    write_shard(
        root / "00000.tar", [("0", image_bytes(0), "a red thing"), ("1", image_bytes(1), "green")]
    )
    return root


# name, writer, extra arguments, split → samples, one split's expected extra facts
CASES: list[tuple[str, Callable[[Path], Any], list[str], dict[str, int], dict[str, Any]]] = [
    ("vqa_v2", write_vqa_v2, ["--split", "train", "--split", "test-dev"],
     {"train": 4, "test-dev": 1}, {"images": 2, "labels": 4, "vocabulary": 14}),
    ("clevr", write_clevr, ["--split", "val"], {"val": 3},
     {"images": 2, "labels": 3, "distribution": [["1", 1], ["yes", 1], ["blue", 1]]}),
    ("gqa", write_gqa, ["--split", "val"], {"val": 3}, {"images": 2, "labels": 3}),
    ("coco_captions", write_coco_captions, ["--split", "val"], {"val": 3}, {"images": 2}),
    ("coco_karpathy", lambda r: write_karpathy(r, coco=True), [],
     {"train": 4, "val": 2, "test": 4}, {"images": 2}),
    ("flickr30k", lambda r: write_karpathy(r, coco=False), [],
     {"train": 4, "val": 2, "test": 4}, {"images": 2}),
    ("conceptual_captions", write_conceptual_captions, ["--split", "val"], {"val": 2},
     {"images": 2, "details": {"undownloaded": 1}}),
    ("webdataset", _shards, [], {"all": 2}, {"vocabulary": 4}),
    ("mosi", _mosi, ["--trust-pickle"], {"train": 6, "valid": 3, "test": 4},
     {"distribution": [["-3", 1], ["-2", 1], ["-1", 1], ["+1", 1], ["+2", 1], ["+3", 1]]}),
    ("mosei", _mosi, ["--trust-pickle", "--arg", "file=unaligned_50.pkl"],
     {"train": 6, "valid": 3, "test": 4}, {}),
    ("iemocap", _iemocap, ["--trust-pickle"], {"train": 5, "valid": 2, "test": 3},
     {"labels": 4, "details": {"feature_dims": {"text_features": 300, "audio": 74, "vision": 35}}}),
    ("semaine", write_semaine, ["--arg", "dimensions=[valence]"], {"all": 2},
     {"details": {"frames": 50}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "writer", "extra", "samples", "facts"), CASES, ids=[c[0] for c in CASES]
)
def test_check_every_dataset(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    writer: Callable[[Path], Any],
    extra: list[str],
    samples: dict[str, int],
    facts: dict[str, Any],
) -> None:
    writer(tmp_path)
    status, payload = check_json(capsys, name, "--root", str(tmp_path), "--decode-images", *extra)
    assert status == 0, payload["problems"]
    by_split = {s["split"]: s for s in payload["splits"]}
    assert {split: by_split[split]["samples"] for split in samples} == samples
    first = by_split[next(iter(samples))]
    for key, value in facts.items():
        if key == "details":
            assert {k: first["details"][k] for k in value} == value
        else:
            assert first[key] == value, key
    if first["images"] is not None:
        assert first["missing_images"] == 0 and first["broken_images"] == 0


def test_check_text_output_and_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_clevr(tmp_path)
    status, out, _ = run(capsys, "data", "check", "clevr", "--root", str(root))
    assert status == 0
    lines = out.splitlines()
    assert lines[1].split() == [
        "split",
        "samples",
        "images",
        "missing",
        "broken",
        "vocabulary",
        "labels",
    ]
    assert lines[3].split() == ["val", "3", "2", "0", "-", "13", "3"]  # 13 distinct words
    assert lines[2].split() == ["train", "missing"]
    assert "val labels (top 3, 3 samples): 1 1, yes 1, blue 1" in lines
    assert "no problems found" in out
    (root / "images" / "val" / "CLEVR_val_000000.png").unlink()
    broken = root / "images" / "val" / "CLEVR_val_000001.png"
    broken.write_bytes(broken.read_bytes()[:40])
    status, payload = check_json(
        capsys, "clevr", "--root", str(root), "--split", "val", "--decode-images"
    )
    assert status == 1
    split = payload["splits"][0]
    assert split["missing_images"] == 1 and split["samples_without_image"] == 2
    assert (
        split["broken_images"] == 1 and "CLEVR_val_000001.png" in split["details"]["broken_example"]
    )
    assert payload["problems"] == [
        "val: 1 image file(s) missing",
        "val: 1 image file(s) cannot be decoded",
    ]


def test_check_reports_malformed_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = write_gqa(tmp_path)
    (root / "val_balanced_questions.json").write_text('{"1": {"question": "q"}}')
    status, out, _ = run(capsys, "data", "check", "gqa", "--root", str(root), "--split", "val")
    assert status == 1
    assert "val: " in out and "val_balanced_questions.json: ['1'] has no field 'imageId'" in out


def test_pickle_without_trust_fails_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _mosi(tmp_path)
    status, out, _ = run(capsys, "data", "check", "mosi", "--root", str(tmp_path))
    assert status == 1 and "is a pickle file" in out and "--trust-pickle" in out


def test_convert_writes_a_form_that_needs_no_trust(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _mosi(tmp_path / "raw") / "unaligned_50.pkl"
    status, _, err = run(capsys, "data", "convert", str(source), str(tmp_path / "safe"))
    assert status == 2 and "polymodal data: error:" in err and "is a pickle file" in err
    status, out, _ = run(
        capsys, "data", "convert", str(source), str(tmp_path / "safe"), "--trust-pickle"
    )
    assert status == 0 and "meta.json" in out
    assert len(MOSI("test", root=tmp_path / "safe")) == 4
    status, payload = check_json(capsys, "mosi", "--root", str(tmp_path / "safe"))
    assert status == 0 and [s["samples"] for s in payload["splits"]] == [6, 3, 4]


def test_generate_then_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, _ = run(
        capsys, "data", "generate", str(tmp_path), "--split", "val", "--images", "3",
        "--questions-per-image", "2", "--width", "60", "--height", "40",
    )  # fmt: skip
    assert status == 0
    status, payload = check_json(capsys, "clevr", "--root", str(tmp_path), "--split", "val")
    assert status == 0 and payload["splits"][0]["samples"] == 6


def test_unknown_dataset_and_bad_argument(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, "data", "check", "imagenet", "--root", str(tmp_path))
    assert status == 2 and "unknown dataset 'imagenet'; known: easy_vqa, vqa_v2" in err
    status, _, err = run(
        capsys, "data", "check", "clevr", "--root", str(tmp_path), "--arg", "limit"
    )
    assert status == 2 and "--arg 'limit': expected KEY=VALUE" in err
