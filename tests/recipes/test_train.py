"""A whole (tiny) run: the folder it writes, evaluation and prediction from that folder."""

import json

import pytest

from polymodal.config import load_config
from polymodal.data.datasets.easy_vqa import default_root
from polymodal.data.images import load_image
from polymodal.recipes.evaluate import evaluate_run
from polymodal.recipes.predict import Predictor
from polymodal.recipes.train import train


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("runs")
    from tests.conftest import TINY

    config = load_config("easy_vqa", [*TINY, f"output_dir={output}", "training.epochs=5"])
    return train(config)


def test_run_folder_layout(tiny_run):
    root = tiny_run.run_dir
    for name in (
        "config.yaml",
        "metrics.jsonl",
        "state/task.json",
        "state/transform_question.json",
        "checkpoints/best/model.safetensors",
        "checkpoints/last/training_state.pt",
        "eval/val.json",
        "eval/test.json",
    ):
        assert (root / name).is_file(), name
    rows = [json.loads(line) for line in (root / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["split"] == "val"] == [10, 20, 30, 40, 50]  # one per epoch
    assert all(r["loss"] > 0 for r in rows if r["split"] == "train")
    evaluation = json.loads((root / "eval" / "test.json").read_text())
    assert len(evaluation["predictions"]) == 96
    first = evaluation["predictions"][0]
    assert set(first) >= {"id", "question", "answers", "prediction"}
    assert isinstance(first["question"], str)
    config = (root / "config.yaml").read_text()
    assert "???" not in config and "question_vocab_size:" in config


def test_training_learns(tiny_run):
    # 50 steps on 320 questions are far from converged, but the loss must fall clearly
    # below its starting point, ln(13 answers) ≈ 2.56.
    rows = [
        json.loads(line) for line in (tiny_run.run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    val_losses = [r["loss"] for r in rows if r["split"] == "val"]
    assert val_losses[-1] < val_losses[0] - 0.5


def test_eval_reproduces_final_metrics_exactly(tiny_run):
    again = evaluate_run(tiny_run.run_dir, "test")
    assert again.metrics == tiny_run.metrics["test"]


def test_predict_ranks_answers(tiny_run):
    predictor = Predictor(tiny_run.run_dir)
    image = load_image(default_root() / "test" / "images" / "0.png")
    ranked = predictor.predict({"image": image, "question": "what color is the shape?"}, top_k=3)
    assert len(ranked) == 3
    probabilities = [p for _, p in ranked]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1


def test_accumulation_bf16_and_max_steps(tmp_path):
    from tests.conftest import TINY

    overrides = [
        *TINY,
        f"output_dir={tmp_path}",
        "training.grad_accumulation=3",
        "training.precision=bf16",
        "training.max_steps=6",
        "training.log_every=1",
        "training.eval_every=3",
    ]
    result = train(load_config("easy_vqa", overrides))
    rows = [
        json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    train_rows = [r for r in rows if r["split"] == "train"]
    # 10 batches per epoch in groups of 3, 3, 3, 1 → 4 steps per epoch; 6 steps in all.
    assert [r["step"] for r in train_rows] == [1, 2, 3, 4, 5, 6]
    assert [r["epoch"] for r in train_rows] == [0, 0, 0, 0, 1, 1]
    assert [r["step"] for r in rows if r["split"] == "val"] == [3, 6]
    assert all(0 < r["loss"] < 10 for r in train_rows)
