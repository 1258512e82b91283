"""The command line: help, listing, validation, and one clear line for each user error."""

import pytest

from polymodal.cli import main


def run_cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "eval", "predict", "validate", "configs"):
        assert command in out


def test_configs_lists_shipped(capsys):
    status, out, _ = run_cli(capsys, "configs")
    assert status == 0 and out.startswith("easy_vqa")


def test_validate_default_and_broken(capsys):
    assert run_cli(capsys, "validate")[0] == 0
    status, _, err = run_cli(
        capsys,
        "validate",
        "+model.fusion.dimm=3",
        "model.encoders.image._component_=polymodal.encoders.NoSuchEncoder",
    )
    assert status == 1
    assert "model.fusion: unexpected argument 'dimm'" in err
    assert "model.encoders.image._component_: cannot import" in err


def assert_one_line_error(status, err, *fragments):
    assert status == 2
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert lines[0].startswith("polymodal ")
    for fragment in fragments:
        assert fragment in err


def test_missing_config_file(capsys, tmp_path):
    status, _, err = run_cli(capsys, "train", str(tmp_path / "missing.yaml"))
    assert_one_line_error(status, err, "missing.yaml", "not found")


def test_unknown_component(capsys, tmp_path, tiny_overrides):
    status, _, err = run_cli(
        capsys, "train", *tiny_overrides, "task._component_=polymodal.tasks.NoTask"
    )
    assert_one_line_error(
        status, err, "task._component_", "'polymodal.tasks' has no attribute 'NoTask'"
    )
    assert not (tmp_path / "runs").exists()


def test_misspelled_override(capsys, tiny_overrides):
    status, _, err = run_cli(capsys, "train", *tiny_overrides, "training.epoch=3")
    assert_one_line_error(status, err, "no key 'training.epoch'", "training.epochs")


def test_misspelled_key_in_a_config_file(capsys, tmp_path):
    config = tmp_path / "typo.yaml"
    config.write_text("extends: easy_vqa\ntraining:\n  epoch: 3\n")
    status, _, err = run_cli(capsys, "train", str(config), f"output_dir={tmp_path / 'runs'}")
    assert_one_line_error(status, err, "training: unknown key(s) ['epoch']")


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_bad_image_writes_nothing(capsys, tmp_path, tiny_overrides, easy_vqa_copy, damage):
    image = easy_vqa_copy / "train" / "images" / "5.png"
    if damage == "missing":
        image.unlink()
    else:
        image.write_bytes(b"\x89PNG not really")
    roots = [f"data.{split}.root={easy_vqa_copy}" for split in ("train", "val", "test")]
    status, _, err = run_cli(capsys, "train", *tiny_overrides, *roots)
    assert_one_line_error(status, err, "5.png")
    assert not (tmp_path / "runs").exists()


def test_run_folder_without_checkpoint(capsys, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    status, _, err = run_cli(capsys, "eval", str(run))
    assert_one_line_error(status, err, "has no config.yaml")
    (run / "config.yaml").write_text("name: x\n")
    status, _, err = run_cli(capsys, "eval", str(run))
    assert_one_line_error(status, err, "no checkpoint 'best'", "train it first")
    status, _, err = run_cli(capsys, "predict", str(tmp_path / "nowhere"), "--question", "hi")
    assert_one_line_error(status, err, "run folder not found")


def test_train_eval_predict_round_trip(capsys, tmp_path, tiny_overrides):
    status, out, _ = run_cli(capsys, "train", *tiny_overrides, "name=cli")
    assert status == 0 and "final evaluation" in out
    run = tmp_path / "runs" / "cli"
    status, out, _ = run_cli(capsys, "eval", str(run), "--split", "val")
    assert status == 0 and out.splitlines()[0].split() == ["metric", "val"]
    image = str(run.parent.parent / "missing.png")
    status, _, err = run_cli(capsys, "predict", str(run), "--image", image, "--question", "q")
    assert_one_line_error(status, err, "image file not found", "missing.png")
    from polymodal.data.datasets.easy_vqa import default_root

    image = str(default_root() / "test" / "images" / "1.png")
    status, out, _ = run_cli(
        capsys,
        "predict",
        str(run),
        "--image",
        image,
        "--question",
        "what shape is in the image?",
        "--top-k",
        "2",
    )
    assert status == 0 and [line.split(".")[0] for line in out.splitlines()] == ["1", "2"]
    # A second train with the same name gets a new folder instead of overwriting.
    assert run_cli(capsys, "train", *tiny_overrides, "name=cli", "training.max_steps=1")[0] == 0
    assert (tmp_path / "runs" / "cli-2" / "config.yaml").is_file()
