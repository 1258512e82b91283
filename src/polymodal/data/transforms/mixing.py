"""Mixup and CutMix for classification: two samples' inputs are mixed and their soft labels
mixed in the same proportion.

Both are batch augmentations (``batch_augment:``): they pair each sample i with sample
perm(i) of the same batch and draw a weight λ_i ~ Beta(α, α) per sample, on the device.

- :class:`Mixup` (Zhang et al. 2018) mixes continuous inputs — images, and feature
  sequences such as MOSI's audio/visual features (:class:`~polymodal.data.batch.Padded`,
  masks joined) — as λ x_i + (1 − λ) x_perm(i).
- :class:`CutMix` (Yun et al. 2019) pastes a box of image perm(i) into image i; λ is the share
  of image i that is left.

Targets become λ t_i + (1 − λ) t_perm(i): a (B, C) soft-score ``target`` (VQATask) is mixed as
it is; a (B,) class index (ClassificationTask) becomes one-hot over ``num_classes`` first —
both tasks' losses accept such soft targets. Token ids cannot be mixed; fields not listed
(the question of a VQA sample, say) keep sample i's value, so use these for classification,
where the label belongs to the mixed inputs.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from polymodal.data.batch import INDEX_SUFFIX, Padded
from polymodal.data.transforms import _random
from polymodal.data.transforms._image import check_probability
from polymodal.data.transforms.record import describe, record_rows


def _check_alpha(alpha: float) -> float:
    if not alpha > 0:
        raise ValueError(
            f"alpha must be > 0 (Beta(alpha, alpha) draws the mixing weight), got {alpha}"
        )
    return float(alpha)


def _unshare(batch: MutableMapping[str, Any], field: str) -> None:
    """A shared field (one row per distinct image, ``<field>_index``) → one row per sample, so
    each sample's input can be mixed with its own label."""
    index = batch.pop(f"{field}{INDEX_SUFFIX}", None)
    if index is not None:
        value = batch[field]
        batch[field] = (
            Padded(value.values[index], value.mask[index])
            if isinstance(value, Padded)
            else value[index]
        )


def soft_targets(target: torch.Tensor, num_classes: int | None) -> torch.Tensor:
    """(B, C) float targets as they are; (B,) class indices → one-hot (B, num_classes)."""
    if target.is_floating_point() and target.dim() == 2:
        return target
    if target.dim() == 1 and not target.is_floating_point():
        if num_classes is None:
            raise ValueError(
                "target holds class indices: give num_classes (e.g. ${meta.num_classes}) "
                "so they can become mixable one-hot targets"
            )
        return F.one_hot(target, num_classes).float()
    raise ValueError(
        f"target must be (B, C) soft scores or (B,) class indices, got {tuple(target.shape)} "
        f"{target.dtype}"
    )


def _mix(first: torch.Tensor, second: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    shaped = weight.view(-1, *([1] * (first.dim() - 1))).to(first.dtype)
    return shaped * first + (1 - shaped) * second


def _record(
    batch: MutableMapping[str, Any],
    name: str,
    weight: torch.Tensor,
    partner: torch.Tensor,
    applied: torch.Tensor,
) -> None:
    ids = batch.get("id")
    descriptions: list[str | None] = []
    for row in range(len(weight)):
        other = int(partner[row])
        who = ids[other] if isinstance(ids, list) else other
        descriptions.append(
            describe(name, lam=float(weight[row]), partner=who) if applied[row] else None
        )
    record_rows(batch, descriptions, "target", batched=True)


class Mixup:
    """Mixes continuous input fields and the target of sample pairs.

    Args:
        alpha: λ ~ Beta(alpha, alpha) per sample (0.2–0.4 is usual; 1 is uniform).
        fields: input fields to mix: float tensors (B, ...) or ``Padded`` sequences.
        target: the target field.
        num_classes: the number of classes when the target holds class indices.
        p: probability of mixing each sample (others keep λ = 1).
        record: append ``mixup(lam=…, partner=<id>)`` to ``augmentations``.

    Shapes:
        batch[field]: (B, ...) float or Padded → same; batch[target]: (B, C) float or (B,)
        long → (B, C) float.
    """

    def __init__(
        self,
        alpha: float = 0.2,
        fields: Sequence[str] = ("image",),
        target: str = "target",
        num_classes: int | None = None,
        p: float = 1.0,
        record: bool = False,
    ) -> None:
        self.alpha = _check_alpha(alpha)
        if not fields:
            raise ValueError("fields must name at least one input field to mix")
        self.fields = tuple(fields)
        self.target = target
        self.num_classes = num_classes
        self.p = check_probability("p", p)
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> dict[str, torch.Tensor]:
        """``weight`` λ (count,), ``partner`` perm (count,), ``applied`` (count,)."""
        weight = _random.beta(generator, count, self.alpha)
        partner = _random.permutation(generator, count)
        applied = _random.bernoulli(generator, count, self.p)
        return {"weight": torch.where(applied, weight, torch.ones_like(weight)),
                "partner": partner, "applied": applied}  # fmt: skip

    def __call__(
        self, batch: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        if self.target not in batch:
            raise KeyError(f"Mixup: the batch has no target field {self.target!r}: {list(batch)}")
        target = soft_targets(batch[self.target], self.num_classes)
        params = {k: v.to(target.device) for k, v in self.draw(generator, target.shape[0]).items()}
        weight, partner = params["weight"], params["partner"]
        for field in self.fields:
            if field not in batch:
                raise KeyError(f"Mixup: the batch has no field {field!r}: {list(batch)}")
            _unshare(batch, field)
            value = batch[field]
            if isinstance(value, Padded):
                if not value.values.is_floating_point():
                    raise ValueError(
                        f"Mixup field {field!r} holds token ids; only continuous fields mix"
                    )
                mixed = _mix(value.values, value.values[partner], weight)
                keep = params["applied"].view(-1, 1)
                mask = value.mask | (value.mask[partner] & keep)
                batch[field] = Padded(mixed, mask)
            elif isinstance(value, torch.Tensor) and value.is_floating_point():
                batch[field] = _mix(value, value[partner], weight)
            else:
                kind = value.dtype if isinstance(value, torch.Tensor) else type(value).__name__
                raise ValueError(
                    f"Mixup field {field!r} is {kind}; only float tensors and Padded feature "
                    "sequences can be mixed (not token ids or text)"
                )
        batch[self.target] = _mix(target, target[partner], weight)
        if self.record:
            _record(batch, "mixup", weight, partner, params["applied"])
        return batch


class CutMix:
    """Pastes a random box of a partner image into each image; the target is mixed by the
    share of the image that is left.

    Args:
        alpha: the box covers a share 1 − λ of the image, λ ~ Beta(alpha, alpha) (1 is usual).
        field: the image field, (B, C, H, W).
        target: the target field.
        num_classes: the number of classes when the target holds class indices.
        p: probability of mixing each sample.
        record: append ``cutmix(lam=…, partner=<id>)`` to ``augmentations`` (λ after the box
            was clipped to the image).

    Shapes:
        batch[field]: (B, C, H, W) → same; batch[target]: (B, C) float or (B,) long →
        (B, C) float.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        field: str = "image",
        target: str = "target",
        num_classes: int | None = None,
        p: float = 1.0,
        record: bool = False,
    ) -> None:
        self.alpha = _check_alpha(alpha)
        self.field = field
        self.target = target
        self.num_classes = num_classes
        self.p = check_probability("p", p)
        self.record = record

    def draw(self, generator: torch.Generator, count: int) -> dict[str, torch.Tensor]:
        """``weight`` λ, box ``centre`` (count, 2) in [0, 1), ``partner``, ``applied``."""
        weight = _random.beta(generator, count, self.alpha)
        centre = _random.uniform(generator, (count, 2), 0.0, 1.0)
        partner = _random.permutation(generator, count)
        applied = _random.bernoulli(generator, count, self.p)
        return {"weight": weight, "centre": centre, "partner": partner, "applied": applied}

    def __call__(
        self, batch: MutableMapping[str, Any], generator: torch.Generator
    ) -> MutableMapping[str, Any]:
        for field in (self.field, self.target):
            if field not in batch:
                raise KeyError(f"CutMix: the batch has no field {field!r}: {list(batch)}")
        _unshare(batch, self.field)
        images = batch[self.field]
        if (
            not isinstance(images, torch.Tensor)
            or images.dim() != 4
            or not images.is_floating_point()
        ):
            raise ValueError(f"CutMix field {self.field!r} must be (B, C, H, W) float images")
        target = soft_targets(batch[self.target], self.num_classes)
        params = {k: v.to(images.device) for k, v in self.draw(generator, images.shape[0]).items()}
        height, width = images.shape[-2:]
        # A box of side √(1 − λ) times each side, centred at the drawn point, clipped.
        side = torch.sqrt(1 - params["weight"])
        half_w, half_h = side * width / 2, side * height / 2
        cx, cy = params["centre"][:, 0] * width, params["centre"][:, 1] * height
        x0, x1 = (cx - half_w).round().clamp(0, width), (cx + half_w).round().clamp(0, width)
        y0, y1 = (cy - half_h).round().clamp(0, height), (cy + half_h).round().clamp(0, height)
        columns = torch.arange(width, device=images.device).view(1, 1, 1, -1)
        rows = torch.arange(height, device=images.device).view(1, 1, -1, 1)
        inside = (
            (columns >= x0.view(-1, 1, 1, 1)) & (columns < x1.view(-1, 1, 1, 1))
            & (rows >= y0.view(-1, 1, 1, 1)) & (rows < y1.view(-1, 1, 1, 1))
            & params["applied"].view(-1, 1, 1, 1)
        )  # fmt: skip
        partner = params["partner"]
        batch[self.field] = torch.where(inside, images[partner], images)
        weight = 1 - inside.float().mean(dim=(1, 2, 3))  # the share actually kept
        batch[self.target] = _mix(target, target[partner], weight)
        if self.record:
            _record(batch, "cutmix", weight, partner, params["applied"])
        return batch
