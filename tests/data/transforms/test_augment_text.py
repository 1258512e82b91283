"""EDA text augmentation and word masking: what each operation may change, and what never."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from polymodal.data.transforms import (
    EDA,
    RandomDeletion,
    RandomInsertion,
    RandomSwap,
    SynonymReplacement,
    WordMasking,
)
from polymodal.data.transforms.lexicon import load_lexicon, parse_groups
from polymodal.data.transforms.text_ops import DEFAULT_PROTECTED, join, tokens
from polymodal.errors import DataError

QUESTION = "Is there not a big red shape in the picture to the left of the small object?"


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def words_of(text: str) -> list[str]:
    return [t.lower() for t in tokens(text) if t[0].isalnum()]


def test_builtin_lexicon_is_offline_sizeable_and_has_no_protected_words():
    lexicon = load_lexicon("builtin")
    assert len(lexicon) > 200
    assert "photo" in lexicon.synonyms("picture") and "large" in lexicon.synonyms("big")
    assert not set(lexicon._table) & DEFAULT_PROTECTED  # colours, sides, numbers, negations


def test_tokens_round_trip():
    for text in [QUESTION, "from left to right: a large, red cube's left-hand side (big)."]:
        assert join(tokens(text)) == text


def test_synonym_replacement_uses_synonyms_and_keeps_protected_words():
    lexicon = load_lexicon("builtin")
    for seed in range(10):
        out = SynonymReplacement(rate=1.0)({"question": QUESTION}, gen(seed))["question"]
        before, after = words_of(QUESTION), words_of(out)
        assert len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            assert new == old or new in lexicon.synonyms(old)
            if old in DEFAULT_PROTECTED:
                assert new == old
        assert after != before
    assert out[0].isupper()  # "Is" keeps its capital


def test_random_insertion_adds_synonyms_of_words_present():
    lexicon = load_lexicon("builtin")
    out = RandomInsertion(rate=0.2)({"question": QUESTION}, gen(1))["question"]
    added = Counter(words_of(out)) - Counter(words_of(QUESTION))
    assert sum(added.values()) == round(0.2 * len(words_of(QUESTION)))
    present = set(words_of(QUESTION))
    assert all(any(w in lexicon.synonyms(p) for p in present) for w in added)


def test_random_swap_moves_only_unprotected_words():
    for seed in range(10):
        out = RandomSwap(rate=0.3)({"question": QUESTION}, gen(seed))["question"]
        before, after = words_of(QUESTION), words_of(out)
        assert Counter(before) == Counter(after)
        for old, new in zip(before, after, strict=True):
            if old in DEFAULT_PROTECTED:
                assert new == old
    assert out.endswith("?")


def test_random_deletion_keeps_protected_words_and_one_word_at_least():
    out = RandomDeletion(rate=1.0)({"question": QUESTION}, gen())["question"]
    assert words_of(out) == [w for w in words_of(QUESTION) if w in DEFAULT_PROTECTED]
    single = RandomDeletion(rate=1.0, protected=[])({"question": "what shape?"}, gen())
    assert len(words_of(single["question"])) == 1


def test_word_masking_masks_every_unprotected_word_at_rate_one():
    out = WordMasking(rate=1.0)({"question": "what is the shape on the left?"}, gen())["question"]
    assert out == "[MASK] [MASK] [MASK] [MASK] [MASK] [MASK] left?"


def test_text_augmentations_are_deterministic_and_handle_lists_and_missing_fields():
    augmentation = EDA(rate=0.3, fields=("question", "captions"), record=True)
    sample = {"question": QUESTION, "captions": ["a big dog on the road", "a man holds a cup"]}
    first = augmentation(dict(sample), gen(5))
    assert first == augmentation(dict(sample), gen(5))
    outputs = {augmentation(dict(sample), gen(s))["question"] for s in range(12)}
    assert len(outputs) > 3
    assert isinstance(first["captions"], list) and len(first["captions"]) == 2
    assert first["augmentations"].startswith("eda-")
    assert sample["captions"][0] == "a big dog on the road"  # the source is untouched
    assert SynonymReplacement()({"answers": ["yes"]}, gen()) == {"answers": ["yes"]}
    with pytest.raises(ValueError, match="question"):
        SynonymReplacement()({"question": 3}, gen())


def test_p_zero_changes_nothing_but_still_records_the_field():
    sample = SynonymReplacement(p=0.0, record=True)({"question": QUESTION}, gen())
    assert sample == {"question": QUESTION, "augmentations": ""}


def test_custom_lexicon_file_and_clear_errors(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# mine\nshape blob\n")
    out = SynonymReplacement(rate=1.0, lexicon=str(path))({"question": "what shape?"}, gen())
    assert out["question"] == "what blob?"
    with pytest.raises(DataError, match="lexicon file not found"):
        SynonymReplacement(lexicon=str(tmp_path / "missing.txt"))
    with pytest.raises(DataError, match=":2"):
        parse_groups("ok fine\nbad 3words\n", "x.txt")
    with pytest.raises(ValueError, match="rate"):
        RandomSwap(rate=2.0)
    with pytest.raises(ValueError, match="ops"):
        EDA(ops=["shuffle"])


def test_wordnet_without_nltk_says_how_to_install():
    try:
        import nltk  # noqa: F401
    except ImportError:
        with pytest.raises(DataError, match="pip install nltk"):
            load_lexicon("wordnet")
    else:
        pytest.skip("NLTK is installed: the message for a missing NLTK cannot be shown")
