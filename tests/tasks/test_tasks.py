import pytest
import torch
import torch.nn.functional as F

from polymodal.data.batch import Batch
from polymodal.fusion.output import FusionOutput
from polymodal.models.multimodal import ModelOutput
from polymodal.tasks import ClassificationTask, VQATask


def output(logits, head="answer"):
    return ModelOutput(logits={head: logits}, fused=FusionOutput(pooled=logits), encoded={})


def test_vqa_vocabulary_targets_and_soft_scores():
    data = [{"answers": ["yes"]}, {"answers": ["no"]}, {"answers": ["yes"]}, {"answers": ["red"]}]
    task = VQATask(max_answers=2)
    task.fit(data)
    assert task.answers.labels == ["yes", "no"] and task.meta() == {"num_answers": 2}
    assert task.targets({"answers": ["no"]})["target"].tolist() == [0.0, 1.0]
    ten = ["yes"] * 2 + ["no"] * 8
    assert task.targets({"answers": ten})["target"].tolist() == pytest.approx([2 / 3, 1.0])


def test_vqa_softmax_loss_matches_cross_entropy_and_skips_unanswerable():
    task = VQATask()
    task.fit([{"answers": ["a"]}, {"answers": ["b"]}, {"answers": ["c"]}])
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0], [5.0, 5.0, 5.0]])
    target = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 0]])  # last: no answer in vocab
    loss = task.loss(output(logits), Batch(target=target))
    expected = F.cross_entropy(logits[:2], torch.tensor([0, 1]))
    torch.testing.assert_close(loss, expected)


def test_vqa_decode_and_grouped_accuracy():
    task = VQATask()
    task.fit([{"answers": ["a"]}, {"answers": ["b"]}])
    logits = torch.tensor([[3.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    predictions = task.decode(output(logits))
    assert predictions == ["a", "a", "b"]
    top = task.decode(output(logits), top_k=2)[0]
    assert top[0][0] == "a" and top[0][1] == pytest.approx(torch.softmax(logits[0], 0)[0].item())
    metric = task.metrics()
    metric.update(
        predictions,
        Batch(
            answers=[["a"], ["b"], ["b"]],
            question_type=["x", "y", "y"],
            answer_type=["t", "t", "t"],
        ),
    )
    assert metric.compute() == {
        "accuracy": pytest.approx(200 / 3),
        "accuracy/answer_type/t": pytest.approx(200 / 3),
        "accuracy/question_type/x": 100.0,
        "accuracy/question_type/y": 50.0,
    }


def test_task_state_round_trip():
    task = VQATask()
    task.fit([{"answers": ["x"]}, {"answers": ["y"]}, {"answers": ["y"]}])
    other = VQATask()
    other.load_state_dict(task.state_dict())
    assert other.answers.labels == ["y", "x"]


def test_classification_task():
    task = ClassificationTask(label_field="label")
    task.fit([{"label": "cat"}, {"label": "dog"}, {"label": "dog"}])
    assert task.classes.labels == ["dog", "cat"]
    assert task.targets({"label": "cat"})["target"].item() == 1
    with pytest.raises(ValueError, match="label='bird' is not one of the 2 classes"):
        task.targets({"label": "bird"})
    logits = torch.tensor([[0.0, 2.0], [2.0, 0.0]])
    loss = task.loss(output(logits, "label"), Batch(target=torch.tensor([1, 1])))
    torch.testing.assert_close(loss, F.cross_entropy(logits, torch.tensor([1, 1])))
    metric = task.metrics()
    metric.update(task.decode(output(logits, "label")), Batch(label=["cat", "cat"]))
    assert metric.compute()["accuracy"] == 50.0


def test_vqa_accuracy_uses_the_official_score_with_ten_answers():
    task = VQATask()
    task.fit([{"answers": ["two"]}, {"answers": ["2"]}])
    metric = task.metrics()
    # "2" given by exactly 3 of 10 humans: 7 leave-one-out subsets keep 3 matches (score 1),
    # 3 keep 2 matches (2/3): (7 + 3 · 2/3) / 10 = 0.9. "two" is normalised to "2".
    ten = ["2", "2", "2", "3", "3", "3", "3", "3", "3", "3"]
    metric.update(
        ["two", "3"],
        Batch(answers=[ten, ["3"]], question_type=["n", "n"], answer_type=["number", "number"]),
    )
    assert metric.compute()["accuracy"] == pytest.approx(95.0)
