"""Fine-tuning controls: freezing by pattern (real: frozen weights bit-identical after training
and absent from the optimizer), gradual unfreezing, encoder learning rates, layer-wise decay,
no weight decay on norms and biases, and the counts in the run log."""

import json

import pytest
import torch
from omegaconf import OmegaConf
from safetensors.torch import load_file
from tests.conftest import TINY

from polymodal.config import load_config
from polymodal.data.batch import Batch, pad_sequences
from polymodal.encoders import BertTextEncoder, ConvImageEncoder
from polymodal.errors import ConfigError
from polymodal.fusion import ConcatFusion
from polymodal.heads import MLPHead
from polymodal.models import MultimodalModel
from polymodal.recipes.train import train
from polymodal.training.finetune import FineTuning, finetune_settings, layer_index, matches


def build():
    torch.manual_seed(0)
    return MultimodalModel(
        encoders={
            "image": ConvImageEncoder([4, 8], dim=8),
            "question": BertTextEncoder(
                vocab_size=20, dim=8, num_layers=2, num_heads=2, ffn_dim=16, max_length=8
            ),
        },
        fusion=ConcatFusion({"image": 8, "question": 8}, dim=8),
        heads={"answer": MLPHead(8, 3)},
    )


def settings(**values):
    return finetune_settings(OmegaConf.create({"finetune": values}))


def batch():
    torch.manual_seed(1)
    ids = [torch.randint(1, 20, (n,)) for n in (5, 3, 4, 2)]
    return Batch(image=torch.randn(4, 3, 16, 16), question=pad_sequences(ids))


def step(model, optimizer, data):
    targets = torch.tensor([0, 1, 2, 1])
    loss = torch.nn.functional.cross_entropy(model(data).logits["answer"], targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def test_patterns_match_module_paths_and_globs():
    name = "encoders.question.encoder.layers.1.attention.query.weight"
    assert matches(name, "encoders.question")  # a module above the parameter
    assert matches(name, "encoders.*.encoder.layers.1")
    assert matches(name, "*.query.weight")
    assert not matches(name, "encoders.quest")  # whole path components only
    assert not matches(name, "encoders.image")


def test_frozen_parameters_are_bit_identical_and_not_in_the_optimizer():
    model = build()
    tuning = FineTuning(model, settings(freeze=["encoders.question"], unfreeze=["*.pooler"]))
    tuning.apply(0)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    groups = tuning.parameter_groups(weight_decay=0.1, lr=None)
    in_optimizer = {id(p) for g in groups for p in g["params"]}
    optimizer = torch.optim.AdamW(groups, lr=1e-2)
    model.train()
    tuning.set_frozen_modules_to_eval()
    for _ in range(3):
        step(model, optimizer, batch())
    for name, parameter in model.named_parameters():
        frozen = name.startswith("encoders.question.") and ".pooler." not in name
        assert (id(parameter) in in_optimizer) is not frozen, name
        assert torch.equal(parameter, before[name]) is frozen, name
    # Frozen modules run as at inference; the pooler (unfrozen) and the rest train.
    assert not model.encoders["question"].encoder.training
    assert model.encoders["question"].pooler.training and model.fusion.training
    trainable, frozen = tuning.counts()
    question = sum(p.numel() for p in model.encoders["question"].parameters())
    assert frozen == question - 8 * 8 - 8 and trainable + frozen == sum(
        p.numel() for p in model.parameters()
    )


def test_gradual_unfreezing_by_epoch():
    model = build()
    tuning = FineTuning(
        model, settings(freeze=["encoders.question"], unfreeze_at={1: ["encoders.question"]})
    )
    assert tuning.apply(0) == set()
    optimizer = torch.optim.AdamW(tuning.parameter_groups(0.1, None), lr=1e-2)
    word = model.get_parameter("encoders.question.embeddings.word.weight")
    assert any(word is p for g in optimizer.param_groups for p in g["params"])  # in from the start
    start = word.detach().clone()
    step(model, optimizer, batch())
    assert torch.equal(word, start)  # epoch 0: frozen, no gradient, no decay
    unfrozen = tuning.apply(1)
    assert "encoders.question.embeddings.word.weight" in unfrozen
    step(model, optimizer, batch())
    assert not torch.equal(word, start)
    assert tuning.apply(2) == set()  # nothing new later


def test_encoder_learning_rate_with_layer_wise_decay():
    model = build()
    tuning = FineTuning(model, settings(encoder_lr=0.1, layer_decay=0.5))
    groups = tuning.parameter_groups(weight_decay=0.01, lr=1.0)
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    lr = lambda name: rate[id(model.get_parameter(name))]  # noqa: E731
    question = "encoders.question."
    # 2 layers: embeddings 0, layers 1..2, pooler 3 → 0.1 · 0.5^(3 - layer)
    assert lr(question + "pooler.weight") == pytest.approx(0.1)
    assert lr(question + "encoder.layers.1.attention.query.weight") == pytest.approx(0.05)
    assert lr(question + "encoder.layers.0.attention.query.weight") == pytest.approx(0.025)
    assert lr(question + "embeddings.word.weight") == pytest.approx(0.0125)
    assert lr("heads.answer.mlp.1.weight") == pytest.approx(1.0)  # new layers: optimizer.lr
    # The image encoder has no numbered layers: all of it is "after the layers" (rate 0.1).
    assert lr("encoders.image.blocks.0.0.weight") == pytest.approx(0.1)
    norm = model.get_parameter(question + "embeddings.norm.weight")
    assert (
        decay[id(norm)] == 0.0 and decay[id(model.get_parameter("heads.answer.mlp.1.bias"))] == 0.0
    )
    assert decay[id(model.get_parameter("heads.answer.mlp.1.weight"))] == 0.01
    assert len(rate) == sum(1 for _ in model.parameters())  # each parameter once


def test_layer_index_reads_hugging_face_and_our_names():
    assert layer_index("model.encoder.layer.3.output.dense.weight", 6) == 4
    assert layer_index("model.embeddings.word_embeddings.weight", 6) == 0
    assert layer_index("cls_token", 6) == 0
    assert layer_index("model.pooler.dense.weight", 6) == 7


def test_patterns_that_match_nothing_are_errors():
    with pytest.raises(ConfigError, match=r"finetune.freeze: pattern 'encoders.txt' matches no"):
        FineTuning(build(), settings(freeze=["encoders.txt"]))
    with pytest.raises(ConfigError, match=r"finetune: unknown key\(s\) \['freez'\]"):
        settings(freez=["encoders.question"])
    with pytest.raises(ConfigError, match=r"layer_decay must be in \(0, 1\]"):
        settings(layer_decay=1.5)
    for lr in (None, 0.0):
        with pytest.raises(ConfigError, match=rf"optimizer\.lr: got {lr}, but finetune sets"):
            FineTuning(build(), settings(encoder_lr=0.1)).parameter_groups(0.0, lr)


def test_a_run_with_a_frozen_encoder(tmp_path):
    """Two runs of different lengths and learning rates, same seed: the frozen encoder ends
    bit-identical in both (as initialised), the rest does not."""
    overrides = [*TINY, f"output_dir={tmp_path}", "+finetune.freeze=[encoders.question]"]
    result = train(load_config("easy_vqa", overrides))
    other = train(
        load_config("easy_vqa", [*overrides, "training.max_steps=3", "optimizer.lr=0.03"])
    )
    weights = load_file(result.run_dir / "checkpoints" / "last" / "model.safetensors")
    start = load_file(other.run_dir / "checkpoints" / "last" / "model.safetensors")
    question = [name for name in weights if name.startswith("encoders.question.")]
    assert question and all(torch.equal(weights[n], start[n]) for n in question)
    buffers = ("running_mean", "running_var", "num_batches_tracked")  # BatchNorm's, not trained
    parameters = [name for name in weights if not name.endswith(buffers)]
    assert not torch.equal(weights["heads.answer.mlp.1.weight"], start["heads.answer.mlp.1.weight"])
    rows = [
        json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()
    ]
    counts = next(row for row in rows if row["split"] == "parameters")
    assert counts["frozen"] == sum(weights[n].numel() for n in question)
    assert counts["trainable"] + counts["frozen"] == sum(weights[n].numel() for n in parameters)
    state = torch.load(
        result.run_dir / "checkpoints" / "last" / "training_state.pt", weights_only=False
    )
    in_optimizer = sum(len(g["params"]) for g in state["optimizer"]["param_groups"])
    assert in_optimizer == len(parameters) - len(question)
