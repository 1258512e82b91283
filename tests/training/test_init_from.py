"""init_from: mapping module paths, declared and undeclared mismatches, vocabulary extension."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf
from safetensors.torch import save_model
from torch import nn

from polymodal.data.tokenizers import WordTokenizer
from polymodal.errors import CheckpointError, ConfigError
from polymodal.training.init_from import (
    InitFrom,
    InitReport,
    extend_vocabularies,
    init_from_settings,
    load_initial_weights,
    mapped_key,
)


class Source(nn.Module):
    def __init__(self, vocab: int = 5) -> None:
        super().__init__()
        self.tower = nn.ModuleDict({"caption": nn.Embedding(vocab, 4), "image": nn.Linear(3, 4)})
        self.itm_head = nn.Linear(4, 2)


class Target(nn.Module):
    def __init__(self, vocab: int = 5) -> None:
        super().__init__()
        self.encoders = nn.ModuleDict(
            {"question": nn.Embedding(vocab, 4), "image": nn.Linear(3, 4)}
        )
        self.head = nn.Linear(4, 7)


MAP = {"tower.caption.": "encoders.question.", "tower.image.": "encoders.image."}


def _saved(tmp_path: Path, vocab: int = 5) -> tuple[Source, Path]:
    torch.manual_seed(0)
    source = Source(vocab)
    path = tmp_path / "source.safetensors"
    save_model(source, str(path))
    return source, path


def test_mapped_and_declared_keys_load(tmp_path: Path) -> None:
    source, path = _saved(tmp_path)
    target = Target()
    head_before = target.head.weight.clone()
    settings = InitFrom(
        str(path), map=MAP, ignore_unexpected=["itm_head."], allow_missing=["head."]
    )
    report = load_initial_weights(target, settings)
    torch.testing.assert_close(target.encoders["question"].weight, source.tower["caption"].weight)
    torch.testing.assert_close(target.encoders["image"].bias, source.tower["image"].bias)
    torch.testing.assert_close(target.head.weight, head_before)
    assert sorted(report.loaded) == [
        "encoders.image.bias",
        "encoders.image.weight",
        "encoders.question.weight",
    ]
    assert sorted(report.missing) == ["head.bias", "head.weight"]
    assert sorted(report.unexpected) == ["itm_head.bias", "itm_head.weight"]
    written = json.loads(report.write(tmp_path).read_text())
    assert written["missing"] == report.missing


def test_undeclared_mismatches_are_errors_naming_the_keys(tmp_path: Path) -> None:
    _, path = _saved(tmp_path)
    with pytest.raises(CheckpointError, match=r"no place in the model.*itm_head\.weight"):
        load_initial_weights(Target(), InitFrom(str(path), map=MAP, allow_missing=["head."]))
    with pytest.raises(CheckpointError, match=r"get no value.*head\.weight"):
        load_initial_weights(Target(), InitFrom(str(path), map=MAP, ignore_unexpected=["itm_"]))


def test_a_declaration_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    _, path = _saved(tmp_path)
    settings = InitFrom(
        str(path), map=MAP, ignore_unexpected=["itm_head.", "mlm_head."], allow_missing=["head."]
    )
    with pytest.raises(CheckpointError, match=r"ignore_unexpected: \['mlm_head\.'\]"):
        load_initial_weights(Target(), settings)


def test_shapes_differ_only_where_declared(tmp_path: Path) -> None:
    source, path = _saved(tmp_path, vocab=5)
    common = {"map": MAP, "ignore_unexpected": ["itm_head."], "allow_missing": ["head."]}
    with pytest.raises(CheckpointError, match=r"shape \(5, 4\) in the source, \(8, 4\)"):
        load_initial_weights(Target(vocab=8), InitFrom(str(path), **common))  # type: ignore[arg-type]
    target = Target(vocab=8)
    new_rows = target.encoders["question"].weight[5:].clone()
    report = load_initial_weights(
        target,
        InitFrom(str(path), resize=["encoders.question.weight"], **common),  # type: ignore[arg-type]
    )
    torch.testing.assert_close(
        target.encoders["question"].weight[:5], source.tower["caption"].weight
    )
    torch.testing.assert_close(target.encoders["question"].weight[5:], new_rows)
    assert report.resized == ["encoders.question.weight"]


def test_longest_prefix_wins() -> None:
    mapping = {"a.": "x.", "a.b.": "y."}
    assert mapped_key("a.b.c", mapping) == "y.c"
    assert mapped_key("a.c", mapping) == "x.c"
    assert mapped_key("z.c", mapping) == "z.c"


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_initial_weights(Target(), InitFrom(str(tmp_path / "nope.safetensors")))
    with pytest.raises(CheckpointError, match="neither a run folder"):
        load_initial_weights(Target(), InitFrom(str(tmp_path / "no_run")))


def test_vocabulary_extension_keeps_pretrained_ids(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "state").mkdir(parents=True)
    captions = WordTokenizer().fit(["a red cube", "a blue sphere"])
    (run / "state" / "transform_caption.json").write_text(json.dumps(captions.state_dict()))
    questions = WordTokenizer(max_length=7).fit(["what color is the cube", "is it red"])
    report = InitReport(str(run))
    extend_vocabularies(
        InitFrom(str(run), transforms={"question": "caption"}), {"question": questions}, report
    )
    for word, index in captions.vocab.items():
        assert questions.vocab[word] == index
    assert set(questions.vocab) == set(captions.vocab) | {"what", "color", "is", "the", "it"}
    assert sorted(questions.vocab.values()) == list(range(len(questions.vocab)))
    assert questions.max_length == 7  # the new run's own settings stay
    assert report.extended_vocabularies == {"question": {"source": 7, "added": 5}}
    with pytest.raises(ConfigError, match="not one of this config's transforms"):
        extend_vocabularies(
            InitFrom(str(run), transforms={"answer": "caption"}), {"question": questions}, report
        )


def test_settings_are_checked() -> None:
    assert init_from_settings(OmegaConf.create({})) is None
    short = init_from_settings(OmegaConf.create({"init_from": "runs/x"}))
    assert short == InitFrom("runs/x")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['mapping'\]"):
        init_from_settings(OmegaConf.create({"init_from": {"path": "x", "mapping": {}}}))
    with pytest.raises(ConfigError, match=r"init_from\.resize"):
        init_from_settings(OmegaConf.create({"init_from": {"path": "x", "resize": "a"}}))


def test_skipped_source_tensors_leave_their_places_fresh(tmp_path: Path) -> None:
    _, path = _saved(tmp_path)
    target = Target()
    image_before = target.encoders["image"].weight.clone()
    settings = InitFrom(
        str(path),
        map=MAP,
        skip=["tower.image."],
        ignore_unexpected=["itm_head."],
        allow_missing=["head.", "encoders.image."],
    )
    report = load_initial_weights(target, settings)
    torch.testing.assert_close(target.encoders["image"].weight, image_before)
    assert sorted(report.skipped) == ["tower.image.bias", "tower.image.weight"]
    assert report.loaded == ["encoders.question.weight"]
    with pytest.raises(CheckpointError, match=r"get no value.*encoders\.image\.weight"):
        load_initial_weights(
            Target(),
            InitFrom(
                str(path),
                map=MAP,
                skip=["tower.image."],
                ignore_unexpected=["itm_head."],
                allow_missing=["head."],
            ),
        )
