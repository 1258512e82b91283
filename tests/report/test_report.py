"""The run report: its plots and numbers, its gallery, and that it stands alone."""

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from polymodal.errors import CheckpointError
from polymodal.report import make_report
from polymodal.report.accuracy import group_metrics
from polymodal.report.confusion import OTHER, confusion_counts
from polymodal.report.gallery import choose
from polymodal.report.outcomes import Outcome, outcome, outcomes
from tests.report.page import read_page
from tests.report.runs import one_thread

PNG = b"\x89PNG\r\n\x1a\n"


def test_report_files(tiny_run, tiny_report):
    assert tiny_report == tiny_run / "report.html"
    names = sorted(p.stem for p in (tiny_run / "plots").glob("*.png") if "gallery" not in p.stem)
    assert names == [
        "accuracy_per_answer_type",
        "accuracy_per_class",
        "accuracy_per_question_type",
        "confusion",
        "learning_rate",
        "loss",
        "val_metrics",
    ]
    assert len(list((tiny_run / "plots").glob("gallery_*.png"))) == 8
    for png in (tiny_run / "plots").iterdir():
        assert png.read_bytes().startswith(PNG)


def test_page_content(tiny_run, tiny_report):
    page = read_page(tiny_report.read_text())
    assert page.title == f"polymodal report — {tiny_run.name}"
    assert page.sections == ["summary", "training", "accuracy", "errors", "gallery"]
    assert len(page.plots()) == 7
    examples = page.examples()
    assert len(examples) == 8
    # Half right, half wrong — a 2-epoch model gets plenty of both.
    assert sorted(e.split()[1] for e in examples) == ["correct"] * 4 + ["wrong"] * 4


def test_page_is_self_contained(tiny_report):
    html = tiny_report.read_text()
    page = read_page(html)
    assert not page.tags & {"script", "link", "iframe", "object", "embed", "base"}
    assert page.references and all(r.startswith("data:image/png;base64,") for r in page.references)
    for reference in page.references:
        assert base64.b64decode(reference.split(",", 1)[1]).startswith(PNG)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    for pattern in ("http:", "https:", "//", "@import", "url(", "@font-face"):
        assert pattern not in text, pattern
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_confusion_matrix_counts_every_prediction(tiny_run):
    evaluation = json.loads((tiny_run / "eval" / "test.json").read_text())
    judged = outcomes(evaluation["predictions"], None)
    labels, counts = confusion_counts(judged)
    assert counts.sum() == len(judged) == 96
    # On easy-VQA (one answer per question) the diagonal is the task's accuracy.
    assert 100 * np.trace(counts) / counts.sum() == pytest.approx(evaluation["metrics"]["accuracy"])
    assert len(labels) == len(set(labels))


def judged(truth: str, prediction: str) -> Outcome:
    return Outcome({"id": 0}, truth, prediction, truth == prediction, float(truth == prediction))


def test_confusion_pools_rare_labels():
    cases = [judged("a", "a")] * 3 + [judged("b", "a"), judged("c", "z")]
    labels, counts = confusion_counts(cases, max_labels=2)
    assert labels == ["a", "b", OTHER]
    assert counts.tolist() == [[3, 0, 0], [1, 0, 0], [0, 0, 1]]


def test_outcomes_of_vqa_and_classification_records():
    vqa = outcome({"answers": ["two", "2", "two", "three"], "prediction": "2"}, None)
    assert (vqa.truth, vqa.correct) == ("two", False)
    # "2" matches one human answer: 1/3 in the 3 leave-one-out subsets that keep it, 0 in one.
    assert vqa.score == pytest.approx(0.25)
    label = outcome({"label": 3, "prediction": "3"}, "label")
    assert label.correct and label.truth == "3"
    with pytest.raises(CheckpointError, match="neither 'answers' nor a label field"):
        outcome({"id": 7, "prediction": "x"}, None)


def test_group_metric_names_keep_slashes_in_values():
    groups = group_metrics({"accuracy": 50.0, "accuracy/question_type/yes/no": 90.0})
    assert groups == {("accuracy", "question_type"): {"yes/no": 90.0}}


def test_gallery_choice_mixes_right_and_wrong():
    cases = [judged("a", "a")] * 10 + [judged("a", "b")]
    chosen = choose(cases, 4)
    assert [c.correct for c in chosen] == [True, True, True, False]
    assert choose(cases[:2], 4) == cases[:2]


def test_missing_data_leaves_the_gallery_out_and_says_why(tiny_run, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(tiny_run, copy, symlinks=True)
    config = (copy / "config.yaml").read_text()
    (copy / "config.yaml").write_text(config.replace("root: null", f"root: {tmp_path / 'gone'}"))
    with one_thread():
        report = make_report(copy, gallery_size=4)
    assert report.gallery.items == []
    assert report.notes and "gallery skipped" in report.notes[0] and "gone" in report.notes[0]
    assert "gallery skipped" in report.html and len(report.plots) == 7


def test_errors_name_what_is_missing(tiny_run, tmp_path):
    with pytest.raises(CheckpointError, match="run folder not found"):
        make_report(tmp_path / "nowhere")
    copy = tmp_path / "unevaluated"
    shutil.copytree(tiny_run, copy, symlinks=True)
    shutil.rmtree(copy / "eval")
    with pytest.raises(CheckpointError, match=r"has no eval/<split>\.json.*polymodal eval"):
        make_report(copy)
    with pytest.raises(
        CheckpointError, match=r"train\.json is missing; evaluated splits: \['test', 'val'\]"
    ):
        make_report(tiny_run, split="train")


def test_a_run_without_metrics_log_is_refused(tiny_run, tmp_path):
    copy = tmp_path / "no_log"
    shutil.copytree(tiny_run, copy, symlinks=True)
    Path(copy / "metrics.jsonl").unlink()
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl is missing"):
        make_report(copy)
