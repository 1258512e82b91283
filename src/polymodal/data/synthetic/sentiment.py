"""A synthetic, MOSI-shaped multimodal sentiment set (not real data): word-aligned text
(L×300), audio (L×74) and vision (L×35) feature sequences with a continuous sentiment label
in [-3, 3] that depends on *interactions* between the modalities, so fusion methods can be
compared offline.

Each sample has three hidden factors, each carried by one modality only:

* the words' polarity p ∈ [-1, 1] — in the text features of a few "sentiment words";
* the voice's intensity a ∈ [0, 1] — in every audio frame;
* a facial cue c ∈ {+1, −1} (−1 for a quarter of the samples, e.g. a sarcastic smirk that
  reverses what is said) — in the vision frames of a short expression.

The label is 3 · p · c · (0.4 + 0.6 a), clipped to [-3, 3] and rounded to a tenth: its sign
needs text *and* vision, its size text *and* audio, so a fusion that only adds the modalities'
evidence cannot fit it, and no single modality predicts it well (text alone gets the sign
right only where c = +1). Every factor is written into its modality as a fixed random
direction plus Gaussian noise; the remaining frames are noise.

Sizes follow CMU-MOSI's standard split (1,284 / 229 / 686 clips) and its aligned feature
widths (GloVe 300, COVAREP 74, FACET 35); lengths vary from 20 to 50 steps, the same in all
three modalities (word-aligned). Everything is a function of the seed.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

TEXT_DIM, AUDIO_DIM, VISION_DIM = 300, 74, 35
MAX_LENGTH, MIN_LENGTH = 50, 20
SPLIT_SIZES = {"train": 1284, "val": 229, "test": 686}
#: Fraction of samples whose facial cue reverses the words' polarity.
REVERSED_FRACTION = 0.25


def sentiment_label(polarity: float, intensity: float, cue: int) -> float:
    """The label of hidden factors (p, a, c): 3 · p · c · (0.4 + 0.6 a), in [-3, 3], to 0.1."""
    value = 3.0 * polarity * cue * (0.4 + 0.6 * intensity)
    return round(max(-3.0, min(3.0, value)), 1)


class SyntheticSentiment(Dataset[dict[str, Any]]):
    """The synthetic MOSI-shaped set (see the module docstring: it is *not* CMU-MOSI).

    Args:
        split: ``train`` (1,284 clips), ``val`` (229) or ``test`` (686), or any name with
            ``size``; different names give different samples.
        size: number of clips (default: the split's MOSI size).
        seed: the seed of everything (the feature directions are shared by all splits of
            one seed, so a model trained on ``train`` can be tested on ``test``).
        noise: standard deviation of the Gaussian noise on every feature.
        signal: length of each factor's direction (its signal strength against the noise).

    Samples (the fields of :class:`polymodal.data.datasets.mosi.MOSI`): ``id``,
    ``text_features`` (L, 300), ``audio`` (L, 74), ``vision`` (L, 35) float tensors, and
    ``label`` (float in [-3, 3]); plus the hidden ``polarity``, ``intensity`` and ``cue``.
    """

    def __init__(
        self,
        split: str = "train",
        size: int | None = None,
        seed: int = 0,
        noise: float = 1.0,
        signal: float = 3.0,
    ) -> None:
        if size is None:
            if split not in SPLIT_SIZES:
                raise ValueError(f"size is needed for split {split!r} (not train, val or test)")
            size = SPLIT_SIZES[split]
        if size < 1:
            raise ValueError(f"size must be positive, got {size}")
        self.split, self.size, self.seed = split, size, seed
        self.noise, self.signal = noise, signal
        directions = np.random.default_rng([seed, 0])
        # One unit direction per factor, fixed by the seed (shared across splits).
        self.directions = {
            name: _unit(directions.standard_normal(width))
            for name, width in (
                ("text", TEXT_DIM),
                ("audio", AUDIO_DIM),
                ("vision", VISION_DIM),
            )
        }
        split_key = sum(ord(ch) * 31**i for i, ch in enumerate(split)) % 2**31
        rng = random.Random(f"synthetic-sentiment/{seed}/{split}")
        self.factors = []
        for _ in range(size):
            polarity = rng.uniform(-1.0, 1.0)
            intensity = rng.uniform(0.0, 1.0)
            cue = -1 if rng.random() < REVERSED_FRACTION else 1
            length = rng.randint(MIN_LENGTH, MAX_LENGTH)
            self.factors.append((polarity, intensity, cue, length))
        self._split_key = split_key

    def __len__(self) -> int:
        return self.size

    def field_values(self, field: str) -> list[Any]:
        """One field of every sample, without drawing the features."""
        if field == "label":
            return [sentiment_label(p, a, c) for p, a, c, _ in self.factors]
        if field == "id":
            return [f"{self.split}/{index}" for index in range(self.size)]
        raise KeyError(f"SyntheticSentiment lists only 'label' and 'id', not {field!r}")

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.size:
            raise IndexError(f"index {index} out of range for {self.size} samples")
        polarity, intensity, cue, length = self.factors[index]
        rng = np.random.default_rng([self.seed, self._split_key, index])
        features = {
            "text": rng.standard_normal((length, TEXT_DIM)) * self.noise,
            "audio": rng.standard_normal((length, AUDIO_DIM)) * self.noise,
            "vision": rng.standard_normal((length, VISION_DIM)) * self.noise,
        }
        # A few sentiment words carry the polarity; the rest of the text is noise.
        words = rng.choice(length, size=3, replace=False)
        features["text"][words] += self.signal * polarity * self.directions["text"]
        # The voice's intensity colours every frame.
        features["audio"] += self.signal * (2 * intensity - 1) * self.directions["audio"]
        # The facial cue lasts a few consecutive frames.
        start = int(rng.integers(0, length - 5))
        features["vision"][start : start + 5] += self.signal * cue * self.directions["vision"]
        return {
            "id": f"{self.split}/{index}",
            "text_features": torch.from_numpy(features["text"].astype(np.float32)),
            "audio": torch.from_numpy(features["audio"].astype(np.float32)),
            "vision": torch.from_numpy(features["vision"].astype(np.float32)),
            "label": sentiment_label(polarity, intensity, cue),
            "polarity": polarity,
            "intensity": intensity,
            "cue": cue,
        }


def _unit(vector: np.ndarray) -> np.ndarray:
    return np.asarray(vector / np.linalg.norm(vector))
