"""The captioning task: vocabulary, label-smoothed teacher forcing, generation, COCO results
and scores — alone and in a whole (tiny) run on the offline scene captions."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from polymodal.config import load_config
from polymodal.data.batch import Batch, Padded
from polymodal.data.synthetic.datasets import SyntheticCaptions
from polymodal.fusion.output import FusionOutput
from polymodal.generation import BeamSearch
from polymodal.losses.captioning import caption_lm_loss
from polymodal.metrics.captioning import score_captions
from polymodal.models.multimodal import ModelOutput
from polymodal.recipes.evaluate import evaluate_run
from polymodal.recipes.predict import Predictor
from polymodal.recipes.train import train
from polymodal.tasks.caption_vocabulary import CaptionVocabulary
from polymodal.tasks.captioning import COCO_RESULTS, CaptioningTask

TINY = [
    "data.train.num_images=48",
    "data.val.num_images=8",
    "data.test.num_images=8",
    "data.train.image_size=32",
    "data.val.image_size=32",
    "data.test.image_size=32",
    "data.batch_size=8",
    "data.eval_batch_size=8",
    "model.image_positions=16",
    "model.image_encoder.channels=[8,8,16]",
    "model.image_encoder.dim=32",
    "model.decoder.dim=32",
    "model.decoder.ffn_dim=64",
    "model.decoder.num_layers=1",
    "task.metrics=[bleu,rouge_l,cider_d]",
    "training.epochs=3",
    "training.log_every=3",
    "optimizer.lr=0.003",
]


def test_vocabulary_encodes_with_start_and_end_and_decodes_back():
    vocabulary = CaptionVocabulary.count(["A red cube.", "a blue cube", "a red sphere, left"])
    assert vocabulary.words[:4] == ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
    assert vocabulary.words[4:7] == ["a", "cube", "red"]  # by count, then alphabetical
    ids = vocabulary.encode("A red cube, behind!", max_words=10)
    assert ids[0] == vocabulary.bos_id and ids[-1] == vocabulary.eos_id
    assert vocabulary.decode(ids) == "a red cube [UNK]"
    assert vocabulary.encode("a red cube", max_words=2)[1:-1] == [4, 6]
    restored = CaptionVocabulary.from_state_dict(json.loads(json.dumps(vocabulary.state_dict())))
    assert restored.words == vocabulary.words


def test_label_smoothed_loss_matches_its_definition_and_ignores_padding():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 5, generator=generator)
    targets = torch.tensor([[4, 2, 3], [1, 3, 0]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    epsilon = 0.1
    log_probs = logits.log_softmax(-1)
    smoothed = torch.full((2, 3, 5), epsilon / 5)
    smoothed.scatter_add_(2, targets[..., None], torch.full((2, 3, 1), 1 - epsilon))
    per_token = -(smoothed * log_probs).sum(-1)
    expected = per_token[mask].mean()
    torch.testing.assert_close(caption_lm_loss(logits, targets, mask, epsilon), expected)
    changed = logits.clone()
    changed[1, 2] = 50.0  # a padded position: no effect
    torch.testing.assert_close(caption_lm_loss(changed, targets, mask, epsilon), expected)
    plain = F.cross_entropy(logits[mask], targets[mask])
    torch.testing.assert_close(caption_lm_loss(logits, targets, mask), plain)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        caption_lm_loss(logits, targets, mask, 1.0)


def _task() -> CaptioningTask:
    task = CaptioningTask(metrics=["bleu", "cider_d"], max_words=4)
    task.fit([{"caption": "a red cube"}, {"caption": "a blue sphere"}])
    return task


def test_task_targets_fall_back_to_the_first_reference():
    task = _task()
    words = task.vocabulary.index
    assert task.targets({"caption": "a red cube"})["caption_ids"] == [
        2,
        words["a"],
        words["red"],
        words["cube"],
        3,
    ]
    by_image = task.targets({"captions": ["a blue sphere", "a red cube"]})["caption_ids"]
    assert by_image[1:-1] == [words["a"], words["blue"], words["sphere"]]
    with pytest.raises(ValueError, match="no 'caption' and no 'captions'"):
        task.targets({"id": 7, "captions": []})
    assert task.meta() == {"caption_vocab_size": 4 + 5}


def test_task_loss_reads_the_caption_logits():
    task = _task()
    ids = torch.tensor([[2, 4, 5, 3], [2, 4, 3, 0]])
    mask = ids != 0
    mask[:, 0] = True
    logits = torch.randn(2, 3, 10, generator=torch.Generator().manual_seed(0))
    output = ModelOutput({"caption": logits}, FusionOutput(pooled=torch.zeros(2, 1)), {})
    loss = task.loss(output, Batch(caption_ids=Padded(ids, mask)))
    expected = caption_lm_loss(logits, ids[:, 1:], mask[:, 1:], 0.1)
    torch.testing.assert_close(loss, expected)
    with pytest.raises(TypeError, match="generated"):
        task.decode(output)


def test_metric_and_coco_results_agree_with_the_scorer():
    task = _task()
    metric = task.metrics()
    references = [["a red cube", "a cube"], ["a blue sphere"], ["a red sphere"]]
    predictions = ["a red cube", "a blue cube", "a red sphere"]
    metric.update(predictions, Batch(image_id=torch.tensor([5, 6, 7]), captions=references))
    expected = score_captions(
        dict(zip([5, 6, 7], predictions, strict=True)),
        dict(zip([5, 6, 7], references, strict=True)),
        ["bleu", "cider_d"],
    ).scores
    assert metric.compute() == expected
    records = [
        {"image_id": 5, "prediction": "a red cube"},
        {"image_id": 5, "prediction": "a red cube"},  # one sample per caption: same image twice
        {"image_id": 6, "prediction": "a blue cube"},
    ]
    assert task.result_files(records) == {
        COCO_RESULTS: [
            {"image_id": 5, "caption": "a red cube"},
            {"image_id": 6, "caption": "a blue cube"},
        ]
    }


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("runs")
    config = load_config("scene_captions", [*TINY, f"output_dir={output}"])
    return train(config)


def test_scene_captions_run_writes_scores_and_coco_results(tiny_run):
    root = tiny_run.run_dir
    evaluation = json.loads((root / "eval" / "test.json").read_text())
    metrics = evaluation["metrics"]
    for name in ("bleu_1", "bleu_4", "rouge_l", "cider_d", "loss"):
        assert math.isfinite(metrics[name])
    results = json.loads((root / "eval" / "test" / COCO_RESULTS).read_text())
    test_set = SyntheticCaptions(
        "test", num_images=8, style="retrieval", unit="image", image_size=32
    )
    assert [r["image_id"] for r in results] == list(range(8))
    assert all(set(r) == {"image_id", "caption"} and isinstance(r["caption"], str) for r in results)
    hypotheses = {r["image_id"]: r["caption"] for r in results}
    references = dict(enumerate(test_set.captions))
    rescored = score_captions(hypotheses, references, ["bleu", "rouge_l", "cider_d"]).scores
    for name, value in rescored.items():
        assert metrics[name] == pytest.approx(value)
    records = evaluation["predictions"]
    assert records[0]["captions"] == test_set.captions[0]
    assert records[0]["prediction"] == hypotheses[0]


def test_training_lowers_the_caption_loss(tiny_run):
    lines = [
        json.loads(line) for line in (tiny_run.run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    losses = [line["loss"] for line in lines if line["split"] == "train"]
    assert losses[-1] < losses[0] - 0.3


def test_eval_and_predict_from_the_run_folder(tiny_run):
    again = evaluate_run(tiny_run.run_dir, "test")
    assert again.metrics["cider_d"] == pytest.approx(tiny_run.metrics["test"]["cider_d"])
    predictor = Predictor(tiny_run.run_dir)
    assert isinstance(predictor.task, CaptioningTask)
    assert isinstance(predictor.task.decoding, BeamSearch)
    image = SyntheticCaptions("test", num_images=1, style="retrieval", image_size=32)[0]["image"]
    ranked = predictor.predict({"image": image}, top_k=3)
    assert len(ranked) == 3
    assert [score for _, score in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert all(isinstance(caption, str) for caption, _ in ranked)
    # top_k=1 gives the best caption itself, as it gives the best label for other tasks
    assert predictor.predict({"image": image}, top_k=1) == ranked[0][0]


@pytest.mark.parametrize(
    ("name", "coco"), [("mscoco_captions", True), ("flickr30k_captions", False)]
)
def test_coco_and_flickr30k_configs_train_on_their_official_files(tmp_path, name, coco):
    """The shipped configs read the Karpathy-split JSON and image folders as distributed."""
    from tests.data.datasets.official_files import write_karpathy

    root = write_karpathy(tmp_path / "data", coco=coco)
    overrides = [f"data.{split}.root={root}" for split in ("train", "val", "test")]
    overrides += [
        f"output_dir={tmp_path / 'runs'}",
        "data.num_workers=0",
        "data.val.limit=null",
        "transforms.image.size=32",
        "model.image_positions=64",
        "model.image_encoder.channels=[8,8]",
        "model.image_encoder.dim=32",
        "model.decoder.dim=32",
        "model.decoder.num_heads=4",
        "model.decoder.num_layers=1",
        "task.min_word_count=1",
        "task.metrics=[bleu,cider_d]",
        "training.epochs=1",
    ]
    result = train(load_config(name, overrides))
    results = json.loads((result.run_dir / "eval" / "test" / COCO_RESULTS).read_text())
    # Karpathy test images of the fixture: indices 3 and 4 (COCO ids 103, 104; Flickr 3, 4).
    expected = [103, 104] if coco else [3, 4]
    assert [r["image_id"] for r in results] == expected
    assert set(result.metrics["test"]) >= {"bleu_4", "cider_d", "loss"}


def test_run_reports_judge_a_caption_by_its_references():
    from polymodal.report.outcomes import outcome

    record = {"id": 1, "captions": ["A red cube.", "a cube"], "prediction": "a cube"}
    judged = outcome(record, None)
    assert (judged.truth, judged.prediction, judged.correct, judged.score) == (
        "a cube",
        "a cube",
        True,
        1.0,
    )
    wrong = outcome({**record, "prediction": "a red sphere"}, None)
    assert (wrong.truth, wrong.correct, wrong.score) == ("a red cube", False, 0.0)
