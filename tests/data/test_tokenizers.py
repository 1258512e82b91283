import pytest

from polymodal.data.tokenizers import WordTokenizer
from polymodal.errors import DataError


def test_vocabulary_is_built_by_frequency_and_saved(tmp_path):
    tokenizer = WordTokenizer(max_length=4).fit(["What color is it?", "what shape is it", "is"])
    assert tokenizer.vocab == {
        "[PAD]": 0,
        "[UNK]": 1,
        "is": 2,
        "it": 3,
        "what": 4,
        "color": 5,
        "shape": 6,
    }
    assert tokenizer.encode("What SHAPE is purple it here") == [4, 6, 2, 1]  # truncated to 4
    assert tokenizer.encode("") == [1]
    tokenizer.save(tmp_path / "t.json")
    loaded = WordTokenizer().load(tmp_path / "t.json")
    assert loaded.vocab == tokenizer.vocab and loaded.max_length == 4


def test_min_freq_and_punctuation():
    tokenizer = WordTokenizer(min_freq=2, keep_punctuation=True).fit(["a b?", "a c?"])
    assert set(tokenizer.vocab) == {"[PAD]", "[UNK]", "a", "?"}
    assert tokenizer.split("isn't it?") == ["isn't", "it", "?"]


def test_encode_before_fit_and_bad_file(tmp_path):
    with pytest.raises(RuntimeError, match="before fit"):
        WordTokenizer().encode("x")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(DataError, match=r"bad.json"):
        WordTokenizer().load(tmp_path / "bad.json")


def test_append_mask_ends_every_text_with_the_mask_token(tmp_path):
    tokenizer = WordTokenizer(max_length=4, append_mask=True).fit(["what color is it"])
    mask = tokenizer.vocab["[UNK]"]
    color, is_, what = (tokenizer.vocab[w] for w in ("color", "is", "what"))
    assert tokenizer.encode("what color is it") == [what, color, is_, mask]  # 3 words + mask
    assert tokenizer.encode("color") == [color, mask]
    assert tokenizer.encode("") == [mask]
    tokenizer.save(tmp_path / "t.json")
    assert WordTokenizer().load(tmp_path / "t.json").encode("color") == [color, mask]
    with pytest.raises(ValueError, match="max_length must be ≥ 2"):
        WordTokenizer(max_length=1, append_mask=True)
