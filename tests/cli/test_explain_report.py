"""``polymodal explain`` and ``polymodal report`` on a tiny real run with cross-attention."""

import re
import shutil

import pytest
from PIL import Image
from tests.report.runs import CROSS_ATTENTION, one_thread, train_tiny

from polymodal.cli import main
from polymodal.data.datasets.easy_vqa import default_root


@pytest.fixture(scope="module")
def attention_run(tmp_path_factory):
    """One epoch of easy-VQA with question → image cross-attention."""
    return train_tiny(tmp_path_factory.mktemp("explain_runs"), *CROSS_ATTENTION)


def run_cli(capsys, *argv):
    with one_thread():
        status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status, err, *fragments):
    assert status == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("polymodal ")
    for fragment in fragments:
        assert fragment in err


IMAGE = default_root() / "test" / "images" / "3.png"


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "explain" in out and "report" in out


def test_explain_writes_the_picture_and_prints_the_attribution(capsys, attention_run, tmp_path):
    out_file = tmp_path / "pictures" / "why.png"
    question = "what color is the shape?"
    status, out, _ = run_cli(
        capsys,
        "explain",
        attention_run,
        "--image",
        IMAGE,
        "--question",
        question,
        "--out",
        out_file,
    )
    assert status == 0
    answer, p = re.search(r"^answer: (\S+) \(p = ([0-9.]+)\)", out, re.M).groups()
    rows = {
        m[0]: (float(m[1]), float(m[2]), float(m[3]))
        for m in re.findall(
            r"^(image|question)\s+([0-9.]+)\s+([-+][0-9.]+)\s+([-+][0-9.]+)$", out, re.M
        )
    }
    assert set(rows) == {"image", "question"} and f"p({answer}) without" in out
    for without, effect, _ in rows.values():
        assert effect == pytest.approx(float(p) - without, abs=2e-4)
    empty = float(re.search(r"with every modality removed: ([0-9.]+)", out).group(1))
    shapley_total = sum(shapley for _, _, shapley in rows.values())
    assert shapley_total == pytest.approx(float(p) - empty, abs=3e-4)
    assert f"wrote {out_file} (question attention, Grad-CAM)" in out
    with Image.open(out_file) as picture:
        # Top row: input, attention, Grad-CAM, bars; bottom row: one map per question word.
        assert picture.format == "PNG" and picture.width > 900 and picture.height > 400


def test_explain_a_chosen_answer(capsys, attention_run, tmp_path):
    status, out, _ = run_cli(
        capsys,
        "explain",
        attention_run,
        "--image",
        IMAGE,
        "--question",
        "is there a circle?",
        "--answer",
        "teal",
        "--out",
        tmp_path / "teal.png",
        "--no-shapley",
    )
    assert status == 0 and "answer: teal (p = " in out and "Shapley" not in out


def test_explain_errors_are_one_line(capsys, attention_run, tmp_path):
    common = ["explain", attention_run, "--question", "is it red?"]
    status, _, err = run_cli(
        capsys, *common, "--image", tmp_path / "nope.png", "--out", tmp_path / "a.png"
    )
    assert_one_line_error(status, err, "image file not found", "nope.png")
    status, _, err = run_cli(
        capsys, *common, "--image", IMAGE, "--answer", "purple-ish", "--out", tmp_path / "a.png"
    )
    assert_one_line_error(status, err, "answer 'purple-ish' is not one of the run's")
    status, _, err = run_cli(capsys, *common, "--image", IMAGE, "--out", tmp_path / "a.jpg")
    assert_one_line_error(status, err, "a.jpg", ".png")
    status, _, err = run_cli(capsys, *common, "--out", tmp_path / "a.png")
    assert_one_line_error(status, err, "needs the input(s) ['image']")
    assert not (tmp_path / "a.png").exists()


def test_report_command(capsys, attention_run):
    status, out, _ = run_cli(capsys, "report", attention_run, "--gallery", "4")
    assert status == 0
    assert out.strip() == f"wrote {attention_run / 'report.html'} (7 plots, 4 examples)"
    html = (attention_run / "report.html").read_text()
    # A model with cross-attention shows where the question looked.
    assert html.count("right: question attention") == 4


def test_report_of_an_unfinished_run(capsys, attention_run, tmp_path):
    copy = tmp_path / "unfinished"
    shutil.copytree(attention_run, copy, symlinks=True)
    shutil.rmtree(copy / "eval")
    status, _, err = run_cli(capsys, "report", copy)
    assert_one_line_error(status, err, "has no eval/<split>.json", "polymodal eval")
    status, _, err = run_cli(capsys, "report", tmp_path / "missing")
    assert_one_line_error(status, err, "run folder not found")
