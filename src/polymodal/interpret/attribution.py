"""Modality attribution: how much each modality contributes to the chosen answer.

A modality is *removed* by replacing its input with a baseline. The ablation effect of m is
v(all) − v(all but m); the Shapley value (Shapley 1953) averages m's marginal effect
v(S ∪ {m}) − v(S) over every coalition S of the other modalities,

    φ_m = Σ_{S ⊆ M∖{m}} |S|! (|M| − |S| − 1)! / |M|! · (v(S ∪ {m}) − v(S)),

where v(S) is the answer's score with the modalities outside S at their baselines. The values
add up to v(all) − v(none). Computed exactly, which takes 2^|M| forward passes: up to 4
modalities.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from polymodal.data.batch import Batch, Padded
from polymodal.interpret.targets import head_logits, target_indices, target_scores

MAX_SHAPLEY_MODALITIES = 4
UNKNOWN_ID = 1
"""Token id of ``[UNK]`` in :class:`polymodal.data.tokenizers.WordTokenizer` (an empty text
encodes to it)."""

Baseline = Callable[[Any], Any]


def default_baseline(value: Any) -> Any:
    """A modality's input with its content removed.

    - a tensor (image, features): zeros of the same shape — after the batch transforms, so a
      normalised image becomes its normalisation mean (mid-grey for mean = std = 0.5);
    - token ids (:class:`Padded` of integers): one ``[UNK]`` token per sample, what
      :class:`WordTokenizer` makes of an empty text;
    - a padded feature sequence: zeros, same mask.

    Raises:
        TypeError: for other inputs (pass a baseline for that modality).
    """
    if isinstance(value, Padded):
        if value.values.dtype.is_floating_point:
            return Padded(torch.zeros_like(value.values), value.mask)
        rows = value.values.shape[0]
        ids = value.values.new_full((rows, 1), UNKNOWN_ID)
        return Padded(ids, torch.ones(rows, 1, dtype=torch.bool, device=value.mask.device))
    if isinstance(value, torch.Tensor):
        return torch.zeros_like(value)
    raise TypeError(f"no default baseline for an input of type {type(value).__name__}")


@dataclass(frozen=True)
class ModalityAttribution:
    """Scores of the chosen answer with modalities present or removed, per sample.

    Attributes:
        target: (B,) the answer (class index) explained.
        full: (B,) its score with every modality present, v(all).
        empty: (B,) its score with every modality at its baseline, v(none).
        removed: modality → (B,) its score without that modality, v(all but m).
        effect: modality → (B,) v(all) − v(all but m): how much removing it lowers the score.
        shapley: modality → (B,) Shapley values (empty when not computed).
    """

    target: torch.Tensor
    full: torch.Tensor
    empty: torch.Tensor
    removed: dict[str, torch.Tensor]
    effect: dict[str, torch.Tensor]
    shapley: dict[str, torch.Tensor]


def _resolve_baselines(
    modalities: Sequence[str], batch: Mapping[str, Any], baselines: Mapping[str, Any] | None
) -> dict[str, Any]:
    given = dict(baselines or {})
    unknown = sorted(set(given) - set(modalities))
    if unknown:
        raise ValueError(f"baselines given for {unknown}, which are not modalities {modalities}")
    resolved = {}
    for modality in modalities:
        choice = given.get(modality, default_baseline)
        resolved[modality] = choice(batch[modality]) if callable(choice) else choice
    return resolved


@torch.no_grad()
def modality_attribution(
    model: nn.Module,
    batch: Mapping[str, Any],
    target: int | torch.Tensor | None = None,
    head: str | None = None,
    baselines: Mapping[str, Baseline | Any] | None = None,
    score: str = "probability",
    modalities: Sequence[str] | None = None,
    shapley: bool = True,
) -> ModalityAttribution:
    """Removal effects and (optionally) exact Shapley values of each modality.

    Args:
        model: a model taking the batch and returning ``logits`` per head.
        batch: the model's input (B samples).
        target: class index for all samples or (B,) per sample; ``None``: the class the full
            model predicts.
        head: the head to explain (default: the only one).
        baselines: modality → a callable (the batch's value → its replacement) or the
            replacement itself; others get :func:`default_baseline`.
        score: what is compared: ``"probability"`` (softmax), ``"sigmoid"`` or ``"logit"``.
        modalities: the modalities to attribute to (default: the model's ``modalities``).
        shapley: also compute Shapley values (2^M forward passes instead of M + 2).

    Raises:
        ValueError: Shapley values asked for more than 4 modalities, or a bad target/head.
    """
    names = list(modalities if modalities is not None else getattr(model, "modalities", []))
    if not names:
        raise ValueError("name the modalities to attribute to (the model lists none)")
    if shapley and len(names) > MAX_SHAPLEY_MODALITIES:
        raise ValueError(
            f"exact Shapley values over {len(names)} modalities need 2^{len(names)} forward "
            f"passes; they are limited to {MAX_SHAPLEY_MODALITIES} (use shapley=False)"
        )
    replacements = _resolve_baselines(names, batch, baselines)
    logits = head_logits(model(Batch(batch)).logits, head)
    indices = target_indices(target, logits)
    cache: dict[frozenset[str], torch.Tensor] = {
        frozenset(names): target_scores(logits, indices, score)
    }

    def value(present: frozenset[str]) -> torch.Tensor:
        if present not in cache:
            varied = Batch(batch)
            for modality in names:
                if modality not in present:
                    varied[modality] = replacements[modality]
            output = model(varied)
            cache[present] = target_scores(head_logits(output.logits, head), indices, score)
        return cache[present]

    everything = frozenset(names)
    removed = {m: value(everything - {m}) for m in names}
    values: dict[str, torch.Tensor] = {}
    if shapley:
        count = len(names)
        for modality in names:
            others = [m for m in names if m != modality]
            total = torch.zeros_like(cache[everything])
            for size in range(count):
                weight = (
                    math.factorial(size) * math.factorial(count - size - 1) / math.factorial(count)
                )
                for coalition in itertools.combinations(others, size):
                    present = frozenset(coalition)
                    total = total + weight * (value(present | {modality}) - value(present))
            values[modality] = total
    full = cache[everything]
    return ModalityAttribution(
        target=indices,
        full=full,
        empty=value(frozenset()),
        removed=removed,
        effect={m: full - removed[m] for m in names},
        shapley=values,
    )
