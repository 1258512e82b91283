"""The command line on a multi-task run: train dispatches on ``tasks:``; eval and predict take
``--task``."""

import pytest
from tests.multitask.conftest import MULTITASK_TINY

from polymodal.cli import main
from polymodal.data.datasets.easy_vqa import default_root


@pytest.fixture(scope="module")
def multitask_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("runs")
    assert (
        main(["train", "easy_vqa_multitask", *MULTITASK_TINY, f"output_dir={output}", "name=mt"])
        == 0
    )
    return output / "mt"


def test_eval_and_predict_one_task(capsys, multitask_run):
    capsys.readouterr()
    assert main(["eval", str(multitask_run), "--task", "vqa", "--split", "val"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["metric", "val"]
    image = str(default_root() / "test" / "images" / "0.png")
    assert (
        main(["predict", str(multitask_run), "--task", "shape", "--image", image, "--top-k", "2"])
        == 0
    )
    ranked = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    assert len(ranked) == 2 and set(ranked) <= {"circle", "rectangle", "triangle"}


def test_task_choice_errors(capsys, multitask_run, tmp_path, tiny_overrides):
    assert main(["eval", str(multitask_run)]) == 2
    assert "multi-task run with tasks" in capsys.readouterr().err
    assert main(["eval", str(multitask_run), "--task", "nope"]) == 2
    assert "--task 'nope' is not one of them" in capsys.readouterr().err
    assert main(["train", *tiny_overrides, "name=single", "training.max_steps=1"]) == 0
    assert main(["eval", str(tmp_path / "runs" / "single"), "--task", "vqa"]) == 2
    assert "single-task run" in capsys.readouterr().err
