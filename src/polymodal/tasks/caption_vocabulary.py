"""The word vocabulary of captions, with the special tokens a decoder needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from polymodal.data.tokenizers import WordTokenizer

PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"
SPECIALS = (PAD, UNK, BOS, EOS)


class CaptionVocabulary:
    """Lower-cased words (punctuation dropped, as the COCO caption metrics drop it) → ids.

    Ids 0-3 are padding, unknown word, start and end of caption; words follow, most frequent
    first (ties alphabetical). Words are split as :class:`~polymodal.data.tokenizers.WordTokenizer`
    splits them.

    Args:
        words: the words, in id order after the special tokens.
    """

    def __init__(self, words: Sequence[str] = ()) -> None:
        self.words = [*SPECIALS, *words]
        self.index = {word: i for i, word in enumerate(self.words)}
        self._splitter = WordTokenizer(keep_punctuation=False)

    pad_id, unk_id, bos_id, eos_id = 0, 1, 2, 3

    @classmethod
    def count(cls, captions: Iterable[str], min_count: int = 1) -> CaptionVocabulary:
        """The vocabulary of the words seen at least ``min_count`` times."""
        splitter = WordTokenizer(keep_punctuation=False)
        counts = Counter(word for caption in captions for word in splitter.split(caption))
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        return cls(kept)

    def __len__(self) -> int:
        return len(self.words)

    def split(self, caption: str) -> list[str]:
        return self._splitter.split(caption)

    def encode(self, caption: str, max_words: int) -> list[int]:
        """``[BOS] w_1 … w_n [EOS]`` with at most ``max_words`` words (longer ones are cut)."""
        ids = [self.index.get(word, self.unk_id) for word in self.split(caption)][:max_words]
        return [self.bos_id, *ids, self.eos_id]

    def decode(self, ids: Iterable[int]) -> str:
        """Ids → words joined by spaces; padding, start and end tokens are left out."""
        skipped = {self.pad_id, self.bos_id, self.eos_id}
        return " ".join(self.words[i] for i in ids if i not in skipped)

    def state_dict(self) -> dict[str, Any]:
        return {"words": self.words[len(SPECIALS) :]}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> CaptionVocabulary:
        return cls([str(word) for word in state["words"]])
