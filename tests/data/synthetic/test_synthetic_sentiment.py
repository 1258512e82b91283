"""The synthetic MOSI-shaped sentiment set: shapes, determinism, and that its label needs the
modalities' interactions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from polymodal.data.batch import Padded, collate
from polymodal.data.synthetic.sentiment import (
    SyntheticSentiment,
    sentiment_label,
)


def test_mosi_shapes_and_sizes() -> None:
    dataset = SyntheticSentiment("train")
    assert len(dataset) == 1284
    assert len(SyntheticSentiment("test")) == 686
    sample = dataset[0]
    length = sample["text_features"].shape[0]
    assert 20 <= length <= 50
    assert sample["text_features"].shape == (length, 300)
    assert sample["audio"].shape == (length, 74)
    assert sample["vision"].shape == (length, 35)
    assert -3.0 <= sample["label"] <= 3.0
    batch = collate([dataset[i] for i in range(4)])
    assert isinstance(batch["audio"], Padded)
    assert torch.equal(batch["audio"].mask, batch["vision"].mask)  # word-aligned


def test_deterministic_by_seed_and_split() -> None:
    first, again = SyntheticSentiment("val", seed=3)[5], SyntheticSentiment("val", seed=3)[5]
    assert torch.equal(first["audio"], again["audio"]) and first["label"] == again["label"]
    assert SyntheticSentiment("val", seed=4)[5]["label"] != first["label"]
    assert SyntheticSentiment("test", seed=3)[5]["label"] != first["label"]


def test_label_needs_text_and_vision_for_its_sign_and_audio_for_its_size() -> None:
    assert sentiment_label(0.5, 1.0, 1) == 1.5
    assert sentiment_label(0.5, 1.0, -1) == -1.5
    assert sentiment_label(0.5, 0.0, 1) == 0.6
    assert sentiment_label(-1.0, 1.0, 1) == -3.0


def test_each_factor_is_readable_from_its_own_modality_only() -> None:
    dataset = SyntheticSentiment("train", size=200)
    text = dataset.directions["text"]
    audio = dataset.directions["audio"]
    samples = [dataset[i] for i in range(200)]
    # The strongest projection on the text direction follows the polarity...
    text_signal = [float((s["text_features"].numpy() @ text)[np.argmax(np.abs(
        s["text_features"].numpy() @ text))]) for s in samples]  # fmt: skip
    polarity = [s["polarity"] for s in samples]
    assert np.corrcoef(text_signal, polarity)[0, 1] > 0.6
    # ...the mean audio projection follows the intensity...
    audio_signal = [float((s["audio"].numpy() @ audio).mean()) for s in samples]
    assert np.corrcoef(audio_signal, [s["intensity"] for s in samples])[0, 1] > 0.8
    # ...and the label is not a function of the text's polarity alone (the cue reverses it).
    labels = [s["label"] for s in samples]
    assert abs(np.corrcoef(polarity, labels)[0, 1]) < 0.8
    assert sum(s["cue"] == -1 for s in samples) == pytest.approx(50, abs=20)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="size is needed"):
        SyntheticSentiment("holdout")
    with pytest.raises(IndexError):
        SyntheticSentiment("val")[229]
    with pytest.raises(KeyError, match="lists only"):
        SyntheticSentiment("val").field_values("audio")
