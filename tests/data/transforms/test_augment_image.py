"""Image augmentations: shapes, dtypes, exact geometry, colour maths, determinism, errors."""

from __future__ import annotations

import pytest
import torch

from polymodal.data.transforms import (
    ColorJitter,
    Normalize,
    RandAugment,
    RandomAffine,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomScale,
)
from polymodal.data.transforms import color as C
from polymodal.data.transforms.policy import OPS

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)


def gen(seed: int = 0, device: str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def image_augmentations(normalised: bool = False) -> list:
    stats = {"mean": MEAN, "std": STD} if normalised else {}
    return [
        RandomHorizontalFlip(),
        RandomResizedCrop(scale=(0.3, 1.0)),
        RandomRotation(20),
        RandomScale((0.7, 1.3)),
        RandomAffine(degrees=10, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=5),
        ColorJitter(0.4, 0.4, 0.4, 0.1, **stats),
        RandAugment(num_ops=3, magnitude=9, **stats),
    ]


@pytest.mark.parametrize("index", range(7))
def test_each_augmentation_keeps_shape_and_dtype_on_samples_and_batches(index):
    sample_aug = image_augmentations()[index]
    raw = torch.randint(0, 256, (3, 12, 20), dtype=torch.uint8)
    out = sample_aug({"image": raw}, gen())
    assert out["image"].shape == raw.shape and out["image"].dtype == torch.uint8

    batch_aug = image_augmentations(normalised=True)[index]
    batch = torch.randn(5, 3, 12, 20)
    out = batch_aug({"image": batch}, gen())
    assert out["image"].shape == batch.shape and out["image"].dtype == torch.float32
    assert torch.isfinite(out["image"]).all()


@pytest.mark.parametrize("index", range(7))
def test_each_augmentation_is_deterministic_and_recording_changes_nothing(index):
    batch = torch.rand(6, 3, 16, 16)
    first = image_augmentations()[index]({"image": batch}, gen(3))["image"]
    again = image_augmentations()[index]({"image": batch}, gen(3))["image"]
    other = image_augmentations()[index]({"image": batch}, gen(4))["image"]
    recorded_aug = image_augmentations()[index]
    recorded_aug.__dict__.get("affine", recorded_aug).record = True
    recorded = recorded_aug({"image": batch}, gen(3))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert torch.equal(recorded["image"], first)
    assert len(recorded["augmentations"]) == 6  # one list per sample


def test_parameters_are_drawn_per_image():
    batch = torch.rand(1, 3, 16, 16).expand(8, 3, 16, 16)
    rotated = RandomRotation(30)({"image": batch}, gen())["image"]
    assert len({tuple(row.flatten()[:50].tolist()) for row in rotated}) == 8


def test_flip_is_exact_and_respects_p():
    image = torch.arange(3 * 4 * 5, dtype=torch.uint8).view(3, 4, 5)
    flipped = RandomHorizontalFlip(p=1.0)({"image": image}, gen())["image"]
    assert torch.equal(flipped, image.flip(-1))
    kept = RandomHorizontalFlip(p=0.0)({"image": image}, gen())["image"]
    assert torch.equal(kept, image)


def test_rotation_by_90_degrees_turns_counter_clockwise_exactly():
    image = torch.zeros(1, 3, 8, 8)
    image[0, :, 3:5, 6:8] = 1.0  # a block at the right edge
    turned = RandomRotation((90, 90))({"image": image}, gen())["image"]
    torch.testing.assert_close(turned, torch.rot90(image, 1, dims=(-2, -1)), atol=1e-5, rtol=0)
    assert turned[0, 0, 0:2, 3:5].min() == pytest.approx(1.0, abs=1e-5)  # now at the top


def test_scale_below_one_shrinks_into_the_constant_fill():
    image = torch.full((3, 16, 16), 200, dtype=torch.uint8)
    small = RandomScale((0.5, 0.5), padding="constant", fill=0)({"image": image}, gen())["image"]
    assert small[:, :3, :].max() == 0 and small[:, :, -3:].max() == 0  # border filled
    assert small[:, 6:10, 6:10].min() == 200  # the centre keeps the content
    same = RandomScale((1.0, 1.0))({"image": image}, gen())["image"]
    assert torch.equal(same, image)


def test_resized_crop_crops_the_recorded_box_and_resizes():
    image = torch.arange(16.0).expand(3, 16, 16).clone()  # each pixel holds its column
    crop = RandomResizedCrop(scale=(0.25, 0.25), ratio=(1, 1), record=True)
    out = crop({"image": image}, gen(1))
    record = out["augmentations"]
    assert record.startswith("crop(") and "w=8" in record and "h=8" in record
    x0 = float(record.split("x=")[1].split(",")[0])
    # Output column j samples input position x0 + (j + 0.5) / 2; pixel i's centre is i + 0.5.
    assert out["image"][0, 8, 8].item() == pytest.approx(x0 + 8.5 / 2 - 0.5, abs=0.06)
    resized = RandomResizedCrop(scale=(0.5, 1.0), size=(6, 10))({"image": image}, gen())
    assert resized["image"].shape == (3, 6, 10)
    whole = RandomResizedCrop(scale=(1, 1), ratio=(1, 1))({"image": image}, gen())["image"]
    torch.testing.assert_close(whole, image)


def test_color_functions():
    image = torch.tensor([0.2, 0.5, 0.8]).view(1, 3, 1, 1).expand(2, 3, 4, 4).clone()
    torch.testing.assert_close(
        C.adjust_brightness(image, 2.0)[0, :, 0, 0], torch.tensor([0.4, 1.0, 1.0])
    )
    gray = C.adjust_saturation(image, 0.0)
    assert torch.allclose(gray[:, 0], gray[:, 1]) and torch.allclose(gray[:, 1], gray[:, 2])
    torch.testing.assert_close(C.adjust_hue(image, 0.0), image, atol=1e-5, rtol=0)
    torch.testing.assert_close(C.adjust_hue(image, 1.0), image, atol=1e-5, rtol=0)
    turned = C.adjust_hue(image, torch.tensor([0.25, -0.25]))
    assert not torch.allclose(turned, image, atol=0.05)
    torch.testing.assert_close(C.grayscale(turned), C.grayscale(image), atol=2e-2, rtol=0)
    flat = C.adjust_contrast(image, 0.0)
    assert torch.allclose(flat, flat[:, :1].expand_as(flat))  # one grey level
    levels = (C.posterize(torch.rand(1, 3, 8, 8), 1) * 255).round().unique().tolist()
    assert set(levels) <= {0.0, 128.0}
    torch.testing.assert_close(C.solarize(image, 0.0), 1 - image)
    ramp = torch.linspace(0.2, 0.6, 16).view(1, 1, 4, 4).expand(1, 3, 4, 4)
    stretched = C.autocontrast(ramp)
    assert stretched.min() == 0.0 and stretched.max() == 1.0
    equalized = C.equalize(ramp)
    assert equalized.min() == 0.0 and equalized.max() == 1.0
    torch.testing.assert_close(C.adjust_sharpness(image, 1.5), image)  # flat: nothing to sharpen


def test_color_jitter_in_normalised_units_is_exact_at_identity_and_scales_brightness():
    unit = torch.rand(4, 3, 8, 8) * 0.5
    normalised = Normalize(MEAN, STD)(unit)
    same = ColorJitter(brightness=(1, 1), mean=MEAN, std=STD)({"image": normalised}, gen())
    torch.testing.assert_close(same["image"], normalised)
    doubled = ColorJitter(brightness=(2, 2), mean=MEAN, std=STD)({"image": normalised}, gen())
    torch.testing.assert_close(doubled["image"], Normalize(MEAN, STD)(unit * 2))
    raw = (unit[0] * 255).round().to(torch.uint8)
    raw_doubled = ColorJitter(brightness=(2, 2))({"image": raw}, gen())["image"]
    assert (raw_doubled.int() - raw.int() * 2).abs().max() <= 1


def test_randaugment_magnitude_zero_changes_nothing_and_ops_are_restricted():
    batch = torch.rand(4, 3, 8, 8)
    geometric = ["identity", "rotate", "shear_x", "shear_y", "translate_x", "translate_y"]
    out = RandAugment(3, magnitude=0, ops=geometric)({"image": batch}, gen())["image"]
    torch.testing.assert_close(out, batch, atol=1e-5, rtol=0)
    records = RandAugment(2, ops=["solarize", "equalize"], record=True)({"image": batch}, gen())
    for record in records["augmentations"]:
        assert all(
            name in ("solarize", "equalize")
            for name in record.split("[")[1].split("]")[0].split(", ")
        )
    assert len(OPS) == 14


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: RandomHorizontalFlip(p=1.5), "p"),
        (lambda: RandomResizedCrop(scale=(0.6, 0.2)), "scale"),
        (lambda: RandomResizedCrop(scale=(0.0, 0.2)), "scale"),
        (lambda: RandomRotation(degrees=-3), "degrees"),
        (lambda: RandomAffine(translate=(0.1, 2.0)), "translate"),
        (lambda: RandomScale(padding="wrap"), "padding"),
        (lambda: ColorJitter(hue=0.7), "hue"),
        (lambda: ColorJitter(brightness=-1), "brightness"),
        (lambda: ColorJitter(mean=(0.5, 0.5, 0.5)), "mean and std"),
        (lambda: RandAugment(magnitude=11), "magnitude"),
        (lambda: RandAugment(ops=["blur"]), "ops"),
    ],
)
def test_bad_arguments_name_the_argument(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


def test_wrong_image_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"image must be a \(C, H, W\) or \(B, C, H, W\)"):
        RandomHorizontalFlip()({"image": torch.zeros(8, 8)}, gen())
    with pytest.raises(KeyError, match="pixels"):
        RandomHorizontalFlip(field="pixels")({"image": torch.zeros(3, 8, 8)}, gen())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_batch_augmentations_run_on_the_accelerator_with_its_generator():
    batch = torch.randn(4, 3, 16, 16, device="cuda")
    for augmentation in image_augmentations(normalised=True):
        out = augmentation({"image": batch}, gen(0, "cuda"))["image"]
        assert out.device.type == "cuda" and out.shape == batch.shape


def test_add_coordinates_appends_column_and_row_ramps():
    from polymodal.data.transforms.coordinates import AddCoordinates

    raw = AddCoordinates()(torch.zeros(3, 4, 5, dtype=torch.uint8))
    assert raw.shape == (5, 4, 5) and raw.dtype == torch.uint8
    assert raw[3, 0].tolist() == [0, 64, 128, 191, 255] and raw[4, :, 0].tolist() == [
        0,
        85,
        170,
        255,
    ]
    batch = AddCoordinates()(torch.rand(2, 3, 4, 4))
    assert batch.shape == (2, 5, 4, 4) and batch[1, 3, 0, -1] == 1.0 and batch[0, 4, 0, 0] == 0.0
