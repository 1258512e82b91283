"""Text augmentation: the four EDA operations (Wei & Zou 2019, "EDA: Easy Data Augmentation
Techniques for Boosting Performance on Text Classification") — synonym replacement, random
insertion, random swap, random deletion — and word masking.

Each class is a sample augmentation that edits the raw text fields of a sample (``question``
by default; a field may hold a string or a list of strings, e.g. ``captions``) before the
tokenizer sees them. Only words change: punctuation stays where it was. Words in
``protected`` are never replaced, moved, deleted or masked: by default negations, colour,
position and number words (:mod:`~polymodal.data.transforms.topics`), whose change would make
the text disagree with its image or answer. Synonyms come from an offline lexicon
(:mod:`~polymodal.data.transforms.lexicon`; the built-in one unless ``lexicon`` names another).

A word the tokenizer never saw in training becomes its unknown token, so synonyms and masks
also act as word dropout for word-level vocabularies.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import torch

from polymodal.data.transforms._image import check_probability
from polymodal.data.transforms._random import TorchRandom
from polymodal.data.transforms.lexicon import BUILTIN, load_lexicon
from polymodal.data.transforms.record import record_sample
from polymodal.data.transforms.text_ops import (
    DEFAULT_PROTECTED,
    EDA_OPS,
    mask_words,
    random_deletion,
    random_insertion,
    random_swap,
    synonym_replacement,
)


def _augment_text_fields(
    data: MutableMapping[str, Any],
    fields: Sequence[str],
    change: Callable[[str, TorchRandom], str],
    generator: torch.Generator,
    p: float,
    record: bool,
    name: str,
) -> MutableMapping[str, Any]:
    rng = TorchRandom(generator)
    applied = rng.random() < p
    notes = []
    for field in fields:
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, str | list | tuple):
            raise ValueError(f"{name}: field {field!r} must hold text, got {type(value).__name__}")
        if not applied:
            continue
        if isinstance(value, str):
            new: Any = change(value, rng)
        else:
            new = [change(text, rng) if isinstance(text, str) else text for text in value]
        if new != value:
            notes.append(f"{field}={new!r}")
        data[field] = new
    if record:
        record_sample(data, f"{name}({', '.join(notes)})" if notes else None)
    return data


def _protected(protected: Sequence[str] | None) -> frozenset[str]:
    return DEFAULT_PROTECTED if protected is None else frozenset(w.lower() for w in protected)


def _check_rate(rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1] (a share of the words), got {rate}")
    return float(rate)


class SynonymReplacement:
    """EDA synonym replacement: n = max(1, round(rate · words)) words become a synonym.

    Args:
        rate: share of the words to replace (α_sr in EDA).
        p: probability of augmenting a sample at all.
        fields: text fields to augment (absent ones are skipped).
        lexicon: ``builtin``, ``wordnet`` or a file path (see
            :func:`~polymodal.data.transforms.lexicon.load_lexicon`).
        protected: words never touched (default :data:`DEFAULT_PROTECTED`; ``[]`` for none).
        record: append ``synonym(question='…')`` with the new text to ``augmentations``.
    """

    name = "synonym"

    def __init__(
        self,
        rate: float = 0.1,
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        lexicon: str = BUILTIN,
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        self.rate = _check_rate(rate)
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.lexicon = load_lexicon(lexicon)
        self.protected = _protected(protected)
        self.record = record

    def change(self, text: str, rng: TorchRandom) -> str:
        return synonym_replacement(text, self.rate, rng, self.lexicon, self.protected)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return _augment_text_fields(
            data, self.fields, self.change, generator, self.p, self.record, self.name
        )


class RandomInsertion:
    """EDA random insertion: n times, a synonym of a random word is inserted at a random
    position. Arguments as :class:`SynonymReplacement` (``rate`` is α_ri)."""

    name = "insert"

    def __init__(
        self,
        rate: float = 0.1,
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        lexicon: str = BUILTIN,
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        self.rate = _check_rate(rate)
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.lexicon = load_lexicon(lexicon)
        self.protected = _protected(protected)
        self.record = record

    def change(self, text: str, rng: TorchRandom) -> str:
        return random_insertion(text, self.rate, rng, self.lexicon, self.protected)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return _augment_text_fields(
            data, self.fields, self.change, generator, self.p, self.record, self.name
        )


class RandomSwap:
    """EDA random swap: n times, two random (unprotected) words trade places.

    Args:
        rate: share of the words: n = max(1, round(rate · words)) swaps (α_rs in EDA).
        p: probability of augmenting a sample at all.
        fields: text fields to augment.
        protected: words never moved (default :data:`DEFAULT_PROTECTED`).
        record: append ``swap(question='…')`` to ``augmentations``.
    """

    name = "swap"

    def __init__(
        self,
        rate: float = 0.1,
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        self.rate = _check_rate(rate)
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.protected = _protected(protected)
        self.record = record

    def change(self, text: str, rng: TorchRandom) -> str:
        return random_swap(text, self.rate, rng, self.protected)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return _augment_text_fields(
            data, self.fields, self.change, generator, self.p, self.record, self.name
        )


class RandomDeletion:
    """EDA random deletion, a.k.a. word dropout: each (unprotected) word is deleted with
    probability ``rate``; at least one word always stays. Other arguments as
    :class:`RandomSwap`. Records ``delete(question='…')``."""

    name = "delete"

    def __init__(
        self,
        rate: float = 0.1,
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        self.rate = _check_rate(rate)
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.protected = _protected(protected)
        self.record = record

    def change(self, text: str, rng: TorchRandom) -> str:
        return random_deletion(text, self.rate, rng, self.protected)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return _augment_text_fields(
            data, self.fields, self.change, generator, self.p, self.record, self.name
        )


class WordMasking:
    """Token masking: each (unprotected) word becomes ``mask_token`` with probability
    ``rate``.

    Args:
        rate: probability of masking each word.
        mask_token: the replacement — ``[MASK]`` for BERT-style tokenizers; a word-level
            tokenizer maps it (like any word unseen in training) to its unknown token.
        p: probability of augmenting a sample at all.
        fields: text fields to augment.
        protected: words never masked (default :data:`DEFAULT_PROTECTED`).
        record: append ``mask(question='…')`` to ``augmentations``.
    """

    name = "mask"

    def __init__(
        self,
        rate: float = 0.15,
        mask_token: str = "[MASK]",
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        self.rate = _check_rate(rate)
        if not mask_token.strip():
            raise ValueError("mask_token must be a non-empty string")
        self.mask_token = mask_token
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.protected = _protected(protected)
        self.record = record

    def change(self, text: str, rng: TorchRandom) -> str:
        return mask_words(text, self.rate, rng, self.protected, self.mask_token)

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        return _augment_text_fields(
            data, self.fields, self.change, generator, self.p, self.record, self.name
        )


class EDA:
    """EDA as in the paper: each sample gets one of the four operations, drawn uniformly
    from ``ops``, with n = max(1, round(rate · words)) (deletion: probability ``rate``).

    Args:
        rate: α, shared by the operations.
        ops: a subset of ``("synonym", "insert", "swap", "delete")``.
        p: probability of augmenting a sample at all.
        fields: text fields to augment (one operation is drawn per sample, for all fields).
        lexicon: synonym source (``builtin``, ``wordnet`` or a path).
        protected: words never touched (default :data:`DEFAULT_PROTECTED`).
        record: append ``eda-<op>(question='…')`` to ``augmentations``.
    """

    def __init__(
        self,
        rate: float = 0.1,
        ops: Sequence[str] = EDA_OPS,
        p: float = 1.0,
        fields: Sequence[str] = ("question",),
        lexicon: str = BUILTIN,
        protected: Sequence[str] | None = None,
        record: bool = False,
    ) -> None:
        unknown = [op for op in ops if op not in EDA_OPS]
        if unknown or not ops:
            raise ValueError(f"ops must be a non-empty subset of {EDA_OPS}, got {list(ops)}")
        self.rate = _check_rate(rate)
        self.ops = tuple(ops)
        self.p = check_probability("p", p)
        self.fields = tuple(fields)
        self.lexicon = load_lexicon(lexicon)
        self.protected = _protected(protected)
        self.record = record

    def __call__(
        self, data: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        op = self.ops[TorchRandom(generator).randrange(len(self.ops))]

        def change(text: str, rng: TorchRandom) -> str:
            if op == "synonym":
                return synonym_replacement(text, self.rate, rng, self.lexicon, self.protected)
            if op == "insert":
                return random_insertion(text, self.rate, rng, self.lexicon, self.protected)
            if op == "swap":
                return random_swap(text, self.rate, rng, self.protected)
            return random_deletion(text, self.rate, rng, self.protected)

        return _augment_text_fields(
            data, self.fields, change, generator, self.p, self.record, f"eda-{op}"
        )
