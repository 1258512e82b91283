"""Small random augmentations that tests plug into configs by dotted path."""

import time
from typing import Any

import torch

from polymodal.data.batch import Batch


class PixelNoise:
    """Adds uniform integer noise in [-amount, amount] to a uint8 image."""

    def __init__(self, amount: int = 8) -> None:
        self.amount = amount

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        image = sample["image"]
        noise = torch.randint(-self.amount, self.amount + 1, image.shape, generator=generator)
        sample["image"] = (image.to(torch.int16) + noise).clamp(0, 255).to(torch.uint8)
        return sample


class ImageDropout:
    """Zeroes a random share of the (transformed) image batch's values."""

    def __init__(self, rate: float = 0.1) -> None:
        self.rate = rate

    def __call__(self, batch: Batch, generator: torch.Generator) -> Batch:
        image = batch["image"]
        keep = torch.rand(image.shape, generator=generator, device=image.device) >= self.rate
        batch["image"] = image * keep
        return batch


class SlowDown:
    """Sleeps per sample and changes nothing: keeps a tiny run alive long enough to be killed."""

    def __init__(self, seconds: float = 0.002) -> None:
        self.seconds = seconds

    def __call__(self, sample: dict[str, Any], generator: torch.Generator) -> dict[str, Any]:
        time.sleep(self.seconds)
        return sample
