"""The ALBEF-style pre-training model and task."""

from __future__ import annotations

import pytest
import torch
from tests.vl_models import pair_batch, tiny_dual_encoder, tiny_pretraining_model

from polymodal.errors import ConfigError
from polymodal.heads.text_decoder import TextDecoder
from polymodal.losses import IGNORE_INDEX
from polymodal.models.pretraining import PretrainingModel, other_image_rows
from polymodal.tasks.pretraining import PretrainingTask


def test_outputs_of_every_objective() -> None:
    torch.manual_seed(0)
    output = tiny_pretraining_model()(pair_batch(4))
    assert output.itm_logits is not None and output.itm_logits.shape == (12, 2)
    assert output.itm_labels is not None and output.itm_labels.tolist() == [1] * 4 + [0] * 8
    assert output.mlm_logits is not None and output.mlm_logits.shape == (4, 5, 20)
    assert output.mlm_labels is not None
    chosen = output.mlm_labels != IGNORE_INDEX
    assert chosen.any(dim=1).all()
    padding = ~pair_batch(4)["caption"].mask
    assert not chosen[padding].any()


def test_left_out_objectives_are_not_computed() -> None:
    model = tiny_pretraining_model(("itc",))
    assert model.itm_head is None and model.mlm_head is None
    output = model(pair_batch(4))
    assert output.itm_logits is None and output.mlm_logits is None
    task = PretrainingTask({"itc": 1.0, "mlm": 1.0})
    with pytest.raises(ConfigError, match="mlm"):
        task.loss(output, pair_batch(4))


def test_weighted_loss_is_the_weighted_sum_and_trains_every_part() -> None:
    model = tiny_pretraining_model()
    batch = pair_batch(4)
    torch.manual_seed(1)
    output = model(batch)
    task = PretrainingTask({"itc": 1.0, "itm": 0.5, "mlm": 2.0})
    parts = task.objective_losses(output, batch)
    total = task.loss(output, batch)
    expected = parts["itc"] + 0.5 * parts["itm"] + 2.0 * parts["mlm"]
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    total.backward()
    without_gradient = [
        name for name, p in model.named_parameters() if p.requires_grad and p.grad is None
    ]
    # The text encoder's pooler-free tokens, both towers, fusion and both heads all learn.
    assert without_gradient == []


def test_metrics_from_decoded_predictions() -> None:
    model = tiny_pretraining_model().eval()
    task = PretrainingTask()
    metric = task.metrics()
    batch = pair_batch(4)
    with torch.no_grad():
        metric.update(task.decode(model(batch)), batch)
    values = metric.compute()
    assert {"t2i_recall@1", "i2t_recall@1", "itm_accuracy", "mlm_accuracy"} <= set(values)
    assert 0 <= values["itm_accuracy"] <= 100
    assert 0 <= values["mlm_accuracy_other_image"] <= 100


def test_mlm_with_another_image_only_in_evaluation() -> None:
    model = tiny_pretraining_model()
    assert model(pair_batch(4)).mlm_logits_other_image is None
    model.eval()
    torch.manual_seed(3)
    output = model(pair_batch(4))
    torch.manual_seed(3)  # the same masks
    again = model(pair_batch(4))
    torch.testing.assert_close(output.mlm_logits, again.mlm_logits)
    other = output.mlm_logits_other_image
    assert other is not None and other.shape == output.mlm_logits.shape
    assert not torch.allclose(other, output.mlm_logits)  # the image changes the guesses


def test_the_other_image_is_the_next_row_with_a_different_image() -> None:
    ids = torch.tensor([0, 0, 1, 1, 1, 2])
    assert other_image_rows(ids, 6, torch.device("cpu")).tolist() == [2, 2, 5, 5, 5, 0]
    assert other_image_rows(None, 3, torch.device("cpu")).tolist() == [1, 2, 0]
    assert other_image_rows(torch.tensor([7, 7]), 2, torch.device("cpu")).tolist() == [0, 1]


def test_bad_configuration() -> None:
    with pytest.raises(ValueError, match="objectives"):
        tiny_pretraining_model(("itc", "contrast"))
    with pytest.raises(ValueError, match="caption_decoder"):
        PretrainingModel(tiny_dual_encoder(), torch.nn.Identity(), 20, objectives=("lm",))
    tied = TextDecoder(20, dim=8, num_layers=1, num_heads=2, memory_dim=16)
    with pytest.raises(ValueError, match="tie_embeddings=False"):
        PretrainingModel(tiny_dual_encoder(), torch.nn.Identity(), 20, caption_decoder=tied)
    with pytest.raises(ConfigError, match="unknown objective"):
        PretrainingTask({"itc": 1.0, "contrast": 1.0})
    with pytest.raises(ConfigError, match="weight 0"):
        PretrainingTask({"itc": 0.0})


def test_captioning_lm_objective_frames_each_caption() -> None:
    model = tiny_pretraining_model(("itc", "lm"))
    batch = pair_batch(4)
    output = model(batch)
    caption = batch["caption"]
    assert output.lm_logits is not None and output.lm_logits.shape == (4, 6, 20)
    assert output.lm_targets is not None and output.lm_mask is not None
    # Targets: the caption's tokens, then the end token ([PAD], id 0), then nothing.
    lengths = caption.mask.sum(dim=1).tolist()
    for row, length in enumerate(lengths):
        assert output.lm_targets[row, :length].tolist() == caption.values[row, :length].tolist()
        assert output.lm_targets[row, length].item() == 0
        assert output.lm_mask[row].tolist() == [True] * (length + 1) + [False] * (5 - length)
    task = PretrainingTask({"itc": 1.0, "lm": 0.5})
    losses = task.objective_losses(output, batch)
    assert set(losses) == {"itc", "lm"}
    task.loss(output, batch).backward()
    decoder = model.caption_decoder
    assert decoder is not None and all(p.grad is not None for p in decoder.parameters())
