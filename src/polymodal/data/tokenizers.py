"""Word-level tokenizer whose vocabulary is built from the training split and saved with a run."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from polymodal.errors import DataError

PAD, UNK = "[PAD]", "[UNK]"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


class WordTokenizer:
    """Lower-cased words and punctuation marks → ids; padding is id 0, unknown words id 1.

    Args:
        max_length: longest sequence returned (longer texts are truncated at the end).
        min_freq: a word enters the vocabulary when it occurs at least this often in training.
        keep_punctuation: keep punctuation marks as tokens (``?`` etc.) instead of dropping them.
        append_mask: end every text with ``[UNK]`` (id 1), the token masked-language-model
            pre-training puts in place of a masked word (``PretrainingModel``'s ``mask_id``),
            so a question is answered as the masked word that follows it
            (:class:`~polymodal.heads.ClozeAnswerHead`). The text is cut to ``max_length − 1``
            words first.

    A tokenizer must be fitted (:meth:`fit`) or loaded (:meth:`load`) before :meth:`encode`.
    """

    def __init__(
        self,
        max_length: int = 32,
        min_freq: int = 1,
        keep_punctuation: bool = False,
        append_mask: bool = False,
    ) -> None:
        if max_length < 1 + append_mask:
            raise ValueError(
                f"max_length must be ≥ {1 + append_mask} (append_mask={append_mask}), "
                f"got {max_length}"
            )
        self.max_length = max_length
        self.min_freq = min_freq
        self.keep_punctuation = keep_punctuation
        self.append_mask = append_mask
        self.vocab: dict[str, int] = {}

    def split(self, text: str) -> list[str]:
        """Text → words (lower-cased), with or without punctuation marks."""
        words = _WORD.findall(text.lower())
        if self.keep_punctuation:
            return words
        return [w for w in words if w[0].isalnum()]

    def fit(self, texts: Iterable[str]) -> WordTokenizer:
        """Builds the vocabulary: frequent words first, ties in alphabetical order."""
        counts = Counter(word for text in texts for word in self.split(text))
        kept = sorted(
            (w for w, c in counts.items() if c >= self.min_freq), key=lambda w: (-counts[w], w)
        )
        self.vocab = {PAD: 0, UNK: 1, **{word: i + 2 for i, word in enumerate(kept)}}
        return self

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Text → token ids (at least one: an empty text becomes ``[UNK]``)."""
        if not self.vocab:
            raise RuntimeError("WordTokenizer.encode() before fit() or load()")
        unknown = self.vocab[UNK]
        words = self.split(text)[: self.max_length - self.append_mask]
        ids = [self.vocab.get(word, unknown) for word in words]
        if self.append_mask:
            return [*ids, unknown]
        return ids or [unknown]

    def __call__(self, text: str) -> list[int]:
        return self.encode(text)

    def state_dict(self) -> dict[str, Any]:
        return {
            "type": "WordTokenizer",
            "max_length": self.max_length,
            "min_freq": self.min_freq,
            "keep_punctuation": self.keep_punctuation,
            "append_mask": self.append_mask,
            "vocab": self.vocab,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.max_length = int(state["max_length"])
        self.min_freq = int(state["min_freq"])
        self.keep_punctuation = bool(state["keep_punctuation"])
        self.append_mask = bool(state.get("append_mask", False))  # absent before it existed
        self.vocab = {str(k): int(v) for k, v in state["vocab"].items()}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.state_dict(), indent=1))

    def load(self, path: str | Path) -> WordTokenizer:
        try:
            self.load_state_dict(json.loads(Path(path).read_text()))
        except (OSError, ValueError, KeyError) as error:
            raise DataError(f"{path}: cannot read a WordTokenizer vocabulary: {error}") from None
        return self
