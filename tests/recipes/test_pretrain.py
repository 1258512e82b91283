"""Pre-training end to end, and its checkpoint starting VQA and retrieval runs by config alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from polymodal.config import instantiate, load_config
from polymodal.errors import CheckpointError, ConfigError
from polymodal.recipes.pretrain import pretrain, pretraining_problems
from polymodal.recipes.train import TrainResult, train

PRETRAIN_TINY = [
    "data.train.num_images=12",
    "data.train.captions_per_image=2",
    "data.val.num_images=6",
    "data.batch_size=8",
    "training.epochs=1",
    "training.log_every=1",
]
VQA_TINY = [
    "data.train.num_images=16",
    "data.val.num_images=4",
    "data.test.num_images=4",
    "data.batch_size=8",
    "training.epochs=1",
]


@pytest.fixture(scope="module")
def pretrained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("pretrain")
    result = pretrain(load_config("scene_pretrain", [*PRETRAIN_TINY, f"output_dir={output}"]))
    assert {"t2i_recall@1", "itm_accuracy", "mlm_accuracy"} <= set(result.metrics["val"])
    return result.run_dir


def _one_step_at_lr_0(
    config_name: str, pretrained_run: Path, output: Path, *more: str
) -> tuple[TrainResult, dict[str, Any]]:
    """Fine-tunes ``config_name`` from the pre-trained run for one step with a learning rate of
    0 — its checkpoint then holds exactly the initial weights; returns the run and its
    init_from report."""
    overrides = [
        *VQA_TINY,
        f"output_dir={output}",
        f"init_from.path={pretrained_run}",
        "training.epochs=0",
        "training.max_steps=1",
        "optimizer.lr=0.0",
        *more,
    ]
    result = train(load_config(config_name, overrides))
    return result, json.loads((result.run_dir / "init_from.json").read_text())


def test_vqa_starts_from_the_pretrained_towers(pretrained_run: Path, tmp_path: Path) -> None:
    # scene_vqa_pretrained_full: towers and fusion, the question vocabulary extended from the
    # captions'.
    result, report = _one_step_at_lr_0("scene_vqa_pretrained_full", pretrained_run, tmp_path)
    assert report["missing"] == [
        "heads.answer.mlp.1.weight",
        "heads.answer.mlp.1.bias",
        "heads.answer.mlp.4.weight",
        "heads.answer.mlp.4.bias",
    ]
    assert "itm_head.weight" in report["unexpected"]
    assert report["resized"] == ["encoders.question.embeddings.word.weight"]
    source = load_file(str(pretrained_run / "checkpoints" / "last" / "model.safetensors"))
    tuned = load_file(str(result.run_dir / "checkpoints" / "last" / "model.safetensors"))
    # With a learning rate of 0 the fine-tuned weights are the pre-trained ones.
    torch.testing.assert_close(
        tuned["fusion.layers.0.attention.query.weight"],
        source["fusion.layers.0.attention.query.weight"],
    )
    torch.testing.assert_close(
        tuned["encoders.image.encoder.layers.1.ffn_norm.weight"],
        source["dual_encoder.encoders.image.encoder.layers.1.ffn_norm.weight"],
    )
    words = source["dual_encoder.encoders.caption.embeddings.word.weight"]
    torch.testing.assert_close(
        tuned["encoders.question.embeddings.word.weight"][: len(words)], words
    )
    vocabulary = json.loads((result.run_dir / "state" / "transform_question.json").read_text())
    captions = json.loads((pretrained_run / "state" / "transform_caption.json").read_text())
    assert all(vocabulary["vocab"][w] == i for w, i in captions["vocab"].items())
    assert "what" in vocabulary["vocab"]


def test_vqa_answers_with_the_pretrained_mlm_head(pretrained_run: Path, tmp_path: Path) -> None:
    # scene_vqa_pretrained_cloze: the question ends in the mask token and the pre-trained MLM
    # head, restricted to the answers' words, answers.
    # (Its per-part learning rates are relative to optimizer.lr, which is 0 here: dropped.)
    result, report = _one_step_at_lr_0(
        "scene_vqa_pretrained_cloze", pretrained_run, tmp_path, "~finetune"
    )
    assert report["missing"] == ["heads.answer.extra.weight", "heads.answer.extra.bias"]
    assert "mlm_head.decoder.weight" not in report["unexpected"]
    vocabulary = json.loads((result.run_dir / "state" / "transform_question.json").read_text())
    assert vocabulary["append_mask"] is True
    answers = json.loads((result.run_dir / "state" / "task.json").read_text())["answers"]
    saved = load_config(result.run_dir / "config.yaml")
    ids = dict(zip(answers["labels"], saved.meta.question_answer_ids, strict=True))
    words = vocabulary["vocab"]
    # Counts are said in words; "no" the answer is not "no" the count; "yes" is no caption word.
    assert ids["1"] == words["one"] and ids["0"] == words["no"]
    assert ids["no"] == -1 and ids["yes"] == -1
    assert all(ids[a] == words[a] for a in answers["labels"] if a in ("metal", "cube", "small"))
    source = load_file(str(pretrained_run / "checkpoints" / "last" / "model.safetensors"))
    tuned = load_file(str(result.run_dir / "checkpoints" / "last" / "model.safetensors"))
    rows = source["mlm_head.decoder.weight"]
    torch.testing.assert_close(tuned["heads.answer.mlm.decoder.weight"][: len(rows)], rows)
    torch.testing.assert_close(
        tuned["heads.answer.mlm.transform.2.weight"], source["mlm_head.transform.2.weight"]
    )


def test_retrieval_starts_from_the_pretrained_dual_encoder(
    pretrained_run: Path, tmp_path: Path
) -> None:
    overrides = [
        "data.train.num_images=8",
        "data.val.num_images=4",
        "data.test.num_images=4",
        "data.batch_size=4",
        "training.epochs=1",
        f"output_dir={tmp_path}",
        f"+init_from.path={pretrained_run}",
        "+init_from.map={'dual_encoder.': ''}",
        "+init_from.ignore_unexpected=[fusion., itm_head., mlm_head.]",
        "+init_from.resize=[encoders.caption.embeddings.word.weight,"
        "encoders.caption.embeddings.position.weight]",
        "+init_from.transforms={caption: caption}",
    ]
    result = train(load_config("scene_retrieval", overrides))
    report = json.loads((result.run_dir / "init_from.json").read_text())
    assert report["missing"] == [] and len(report["loaded"]) > 50


def test_the_shipped_vqa_config_takes_the_image_tower(pretrained_run: Path, tmp_path: Path) -> None:
    result, report = _one_step_at_lr_0("scene_vqa_pretrained", pretrained_run, tmp_path)
    assert all(key.startswith("encoders.image.") for key in report["loaded"])
    assert {key.split(".")[0] + "." + key.split(".")[1] for key in report["missing"]} == {
        "encoders.question",
        "fusion.layers",
        "fusion.final_norm",
        "heads.answer",
    }
    source = load_file(str(pretrained_run / "checkpoints" / "last" / "model.safetensors"))
    tuned = load_file(str(result.run_dir / "checkpoints" / "last" / "model.safetensors"))
    torch.testing.assert_close(
        tuned["encoders.image.encoder.layers.0.attention.key.weight"],
        source["dual_encoder.encoders.image.encoder.layers.0.attention.key.weight"],
    )


def test_an_undeclared_mismatch_stops_the_run(pretrained_run: Path, tmp_path: Path) -> None:
    config = load_config(
        "scene_vqa_pretrained",
        [
            *VQA_TINY,
            f"output_dir={tmp_path}",
            f"init_from.path={pretrained_run}",
            "init_from.ignore_unexpected=[dual_encoder.projections., dual_encoder.logit_scale]",
        ],
    )
    with pytest.raises(CheckpointError, match=r"itm_head\.weight"):
        train(config)
    assert not (tmp_path / "scene_vqa_pretrained").exists()


def test_pretrain_refuses_other_configs() -> None:
    assert pretraining_problems(load_config("scene_vqa")) != []
    config = load_config("scene_pretrain", ["model.objectives=[itc, itm]"])
    assert "mlm" in pretraining_problems(config)[0]
    with pytest.raises(ConfigError, match="not a pre-training config"):
        pretrain(config)


def _scene_key(scene: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(sorted(json.dumps(o, sort_keys=True) for o in scene["objects"]))


def test_pretraining_scenes_are_the_vqa_training_scenes_never_its_test_scenes() -> None:
    pretraining = instantiate(load_config("scene_pretrain").data.train)
    vqa = load_config("scene_vqa")
    training = instantiate(vqa.data.train)
    test = instantiate(vqa.data.test)
    pretrain_keys = [_scene_key(s) for s in pretraining.scenes]
    assert pretrain_keys == [_scene_key(s) for s in training.scenes]
    assert not set(pretrain_keys) & {_scene_key(s) for s in test.scenes}


def test_pretraining_captions_use_the_questions_words() -> None:
    captions = instantiate(load_config("scene_pretrain", ["data.train.num_images=50"]).data.train)
    words = {w for texts in captions.captions for text in texts for w in text[:-1].split()}
    assert {"color", "size", "shape", "material", "same", "number"} <= words


CAPTIONS_FROM_PRETRAINED = [
    "data.train.num_images=8",
    "data.val.num_images=4",
    "data.test.num_images=4",
    "data.train.image_size=48",
    "data.val.image_size=48",
    "data.test.image_size=48",
    "data.batch_size=4",
    "training.epochs=1",
    "task.decoding.beam_size=1",
    "model.image_positions=0",  # the ViT has its own positions
    "model.decoder.memory_dim=64",
    "model.image_encoder={_component_: polymodal.encoders.ViTEncoder, image_size: 48, "
    "patch_size: 1, stem: {_component_: polymodal.modules.ConvStem, channels: [16, 32, 64]}, "
    "dim: 64, num_layers: 2, num_heads: 4, ffn_dim: 128, dropout: 0.0, pooling: mean}",
    "+init_from.map={'dual_encoder.encoders.image.': 'image_encoder.'}",
    "+init_from.ignore_unexpected=[dual_encoder.encoders.caption., dual_encoder.projections., "
    "dual_encoder.logit_scale, fusion., itm_head., mlm_head.]",
    "+init_from.allow_missing=[decoder.]",
]


def test_captioning_starts_from_the_pretrained_image_tower(
    pretrained_run: Path, tmp_path: Path
) -> None:
    overrides = [
        *CAPTIONS_FROM_PRETRAINED,
        f"output_dir={tmp_path}",
        f"+init_from.path={pretrained_run}",
        "optimizer.lr=0.0",
    ]
    result = train(load_config("scene_captions", overrides))
    report = json.loads((result.run_dir / "init_from.json").read_text())
    assert report["missing"] and all(key.startswith("decoder.") for key in report["missing"])
    assert all(key.startswith("image_encoder.") for key in report["loaded"])
    source = load_file(str(pretrained_run / "checkpoints" / "last" / "model.safetensors"))
    tuned = load_file(str(result.run_dir / "checkpoints" / "last" / "model.safetensors"))
    torch.testing.assert_close(
        tuned["image_encoder.encoder.layers.0.attention.query.weight"],
        source["dual_encoder.encoders.image.encoder.layers.0.attention.query.weight"],
    )
