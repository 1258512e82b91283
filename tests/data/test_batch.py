import pytest
import torch

from polymodal.data.batch import Batch, Padded, collate, pad_sequences


def test_collate_stacks_pads_and_keeps_lists():
    samples = [
        {
            "image": torch.ones(3, 2, 2),
            "question": [5, 6, 7],
            "answers": ["a"],
            "feat": torch.ones(2, 4),
        },
        {
            "image": torch.zeros(3, 2, 2),
            "question": [8],
            "answers": ["b", "c"],
            "feat": torch.ones(3, 4),
        },
    ]
    batch = collate(samples)
    assert batch["image"].shape == (2, 3, 2, 2)
    question = batch["question"]
    assert isinstance(question, Padded)
    assert question.values.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert question.mask.tolist() == [[True, True, True], [True, False, False]]
    assert question.lengths.tolist() == [3, 1]
    assert batch["answers"] == [["a"], ["b", "c"]]
    assert batch["feat"].values.shape == (2, 3, 4)
    assert batch["feat"].mask.tolist() == [[True, True, False], [True, True, True]]
    assert batch.size == 2


def test_collate_rejects_samples_with_different_fields():
    with pytest.raises(ValueError, match=r"sample 1 has different fields.*'b'"):
        collate([{"a": 1}, {"a": 1, "b": 2}])


def test_batch_to_moves_tensors_only():
    batch = Batch(x=torch.ones(2), p=pad_sequences([torch.ones(1), torch.ones(2)]), s=["a", "b"])
    moved = batch.to("cpu")
    assert isinstance(moved, Batch) and moved["s"] == ["a", "b"]
    assert moved["p"].values.tolist() == [[1.0, 0.0], [1.0, 1.0]]


def test_shared_field_is_collated_once_per_key():
    samples = [
        {"image": torch.full((2,), float(k)), "image_id": k, "q": [i]}
        for i, k in enumerate([7, 7, 3, 7, 3])
    ]
    batch = collate(samples, share={"image": "image_id"})
    assert batch["image"].tolist() == [[7.0, 7.0], [3.0, 3.0]]
    assert batch["image_index"].tolist() == [0, 0, 1, 0, 1]
    assert batch.size == 5


def test_all_empty_lists_stay_lists():
    batch = collate([{"notes": []}, {"notes": []}])
    assert batch["notes"] == [[], []]
