import torch

from polymodal.data.batch import Batch
from polymodal.data.images import load_image
from polymodal.data.pipeline import TransformedDataset, apply_batch_transforms
from polymodal.data.transforms import ImageToTensor


def test_image_to_tensor_normalises_and_resizes_single_and_batched():
    image = torch.full((3, 8, 8), 255, dtype=torch.uint8)
    image[:, :4, :4] = 0
    transform = ImageToTensor(size=4, mean=(0.5,) * 3, std=(0.5,) * 3)
    single = transform(image)
    assert single.shape == (3, 4, 4) and single.dtype == torch.float32
    assert single[0, 0, 0] == -1.0 and single[0, 3, 3] == 1.0  # box filter keeps block values
    batched = transform(torch.stack([image, image]))
    torch.testing.assert_close(batched[1], single)
    odd = ImageToTensor(size=(5, 3))(image)
    assert odd.shape == (3, 5, 3)


def test_load_image_rgb(tmp_path):
    from PIL import Image

    Image.new("L", (5, 4), color=200).save(tmp_path / "gray.png")
    loaded = load_image(tmp_path / "gray.png")
    assert loaded.shape == (3, 4, 5) and int(loaded[2, 0, 0]) == 200


def test_transformed_dataset_keeps_raw_text_and_adds_targets():
    data = [{"question": "hi there", "x": 1}]
    wrapped = TransformedDataset(data, {"question": str.split}, lambda s: {"target": s["x"] + 1})
    assert wrapped[0] == {
        "question": ["hi", "there"],
        "question_raw": "hi there",
        "x": 1,
        "target": 2,
    }


def test_batch_transforms_apply_per_field():
    batch = apply_batch_transforms(Batch(a=torch.ones(2)), {"a": lambda t: t * 3})
    assert batch["a"].tolist() == [3.0, 3.0]


def test_sample_augmentation_is_a_function_of_seed_epoch_and_index():
    from tests.recipes.augmentations import PixelNoise

    data = [{"image": torch.full((3, 4, 4), 100, dtype=torch.uint8)} for _ in range(2)]
    wrapped = TransformedDataset(data, {}, augment=[PixelNoise(20)], seed=5)
    first = wrapped[0]["image"]
    assert not torch.equal(first, data[0]["image"])  # changed, and the source is untouched
    assert torch.equal(wrapped[0]["image"], first)  # same seed, epoch, index: same draw
    assert not torch.equal(wrapped[1]["image"], first)
    wrapped.set_epoch(1)
    assert not torch.equal(wrapped[0]["image"], first)
    wrapped.set_epoch(0)
    assert torch.equal(wrapped[0]["image"], first)
