"""Modality attribution: removal effects and exact Shapley values."""

import pytest
import torch

from polymodal.data.batch import Batch, Padded, pad_sequences
from polymodal.encoders import BagOfWordsEncoder, ConvImageEncoder, GRUTextEncoder
from polymodal.fusion import ConcatFusion
from polymodal.heads import MLPHead
from polymodal.interpret import default_baseline, modality_attribution
from polymodal.models import MultimodalModel
from tests.interpret.models import Combine, Identity, Only, VectorEncoder


def vqa_batch() -> Batch:
    torch.manual_seed(3)
    return Batch(
        image=torch.randn(3, 3, 16, 16),
        question=pad_sequences([torch.tensor([2, 3, 4]), torch.tensor([5]), torch.tensor([6, 7])]),
    )


def test_a_modality_the_model_ignores_gets_exactly_zero():
    torch.manual_seed(0)
    model = MultimodalModel(
        {"image": ConvImageEncoder([4, 8], dim=8), "question": BagOfWordsEncoder(10, dim=8)},
        Only("image"),
        {"answer": MLPHead(8, 4, hidden_dims=[8])},
    ).eval()
    result = modality_attribution(model, vqa_batch())
    assert result.effect["question"].tolist() == [0.0, 0.0, 0.0]
    assert result.shapley["question"].tolist() == [0.0, 0.0, 0.0]
    # All that changes the answer is the image: its Shapley value is v(all) − v(none).
    torch.testing.assert_close(result.shapley["image"], result.full - result.empty)
    assert (result.shapley["image"].abs() > 1e-4).all()


def vectors(**columns: list[float]) -> Batch:
    return Batch({name: torch.tensor(values)[:, None] for name, values in columns.items()})


def combine_model(names: list[str], product: bool = False) -> MultimodalModel:
    encoders = {name: VectorEncoder() for name in names}
    return MultimodalModel(encoders, Combine(product), {"answer": Identity()})


def test_shapley_of_an_additive_logit_is_each_modalitys_term():
    # logit = a + b + c with zero baselines: φ_m = m exactly.
    batch = vectors(a=[1.5, -2.0], b=[0.25, 3.0], c=[-1.0, 0.0])
    result = modality_attribution(combine_model(["a", "b", "c"]), batch, target=0, score="logit")
    for name in "abc":
        torch.testing.assert_close(result.shapley[name], batch[name][:, 0])
        torch.testing.assert_close(result.effect[name], batch[name][:, 0])
    torch.testing.assert_close(result.empty, torch.zeros(2))


def test_shapley_splits_an_interaction_equally():
    # logit = a·b·c: only the full coalition differs from 0, so each gets abc/3 — while
    # removing any one modality loses all of it.
    batch = vectors(a=[2.0], b=[3.0], c=[0.5])
    result = modality_attribution(
        combine_model(["a", "b", "c"], product=True), batch, target=0, score="logit"
    )
    for name in "abc":
        assert result.shapley[name].item() == pytest.approx(1.0)
        assert result.effect[name].item() == pytest.approx(3.0)


def test_shapley_values_add_up_to_the_full_effect_for_four_modalities():
    torch.manual_seed(0)
    names = ["a", "b", "c", "d"]
    encoders = {name: VectorEncoder() for name in names}
    model = MultimodalModel(
        encoders, ConcatFusion(dict.fromkeys(names, 3), dim=6), {"answer": MLPHead(6, 5, [6])}
    ).eval()
    batch = Batch({name: torch.randn(4, 3) for name in names})
    result = modality_attribution(model, batch, target=torch.tensor([0, 1, 2, 3]))
    total = sum(result.shapley.values())
    torch.testing.assert_close(total, result.full - result.empty)
    assert result.target.tolist() == [0, 1, 2, 3]


def test_more_than_four_modalities_need_shapley_off():
    names = list("abcde")
    model = combine_model(names)
    batch = vectors(**{name: [1.0] for name in names})
    with pytest.raises(ValueError, match="limited to 4"):
        modality_attribution(model, batch, target=0)
    result = modality_attribution(model, batch, target=0, score="logit", shapley=False)
    assert result.shapley == {} and result.effect["e"].item() == pytest.approx(1.0)


def test_baselines_can_be_values_or_functions():
    batch = vectors(a=[2.0], b=[3.0])
    model = combine_model(["a", "b"])
    result = modality_attribution(
        model,
        batch,
        target=0,
        score="logit",
        baselines={"a": torch.tensor([[0.5]]), "b": lambda value: value - 1.0},
    )
    assert result.effect["a"].item() == pytest.approx(1.5)
    assert result.effect["b"].item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"baselines given for \['z'\]"):
        modality_attribution(model, batch, baselines={"z": 0})


def test_probability_scores_and_the_predicted_target():
    torch.manual_seed(0)
    model = MultimodalModel(
        {"image": ConvImageEncoder([4, 8], dim=8), "question": GRUTextEncoder(10, dim=8)},
        ConcatFusion({"image": 8, "question": 8}, dim=8),
        {"answer": MLPHead(8, 4)},
    ).eval()
    batch = vqa_batch()
    result = modality_attribution(model, batch)
    probabilities = torch.softmax(model(batch).logits["answer"], dim=-1)
    torch.testing.assert_close(result.target, probabilities.argmax(dim=-1))
    torch.testing.assert_close(result.full, probabilities.max(dim=-1).values)
    for name in ("image", "question"):
        assert ((result.removed[name] >= 0) & (result.removed[name] <= 1)).all()


def test_default_baselines():
    ids = pad_sequences([torch.tensor([4, 5, 6]), torch.tensor([7])])
    empty = default_baseline(ids)
    assert empty.values.tolist() == [[1], [1]] and empty.mask.all()  # one [UNK] each
    features = Padded(torch.randn(2, 3, 4), torch.tensor([[True, True, False]] * 2))
    zeroed = default_baseline(features)
    assert zeroed.values.abs().sum() == 0 and zeroed.mask.tolist() == features.mask.tolist()
    assert default_baseline(torch.ones(2, 3)).abs().sum() == 0
    with pytest.raises(TypeError, match="str"):
        default_baseline("what colour?")
