"""Fine-tuning controls: which parameters train, from which epoch, at which learning rate.

The ``finetune:`` section of a run's config:

```yaml
finetune:
  freeze: [encoders.question]            # module paths or glob patterns over parameter names
  unfreeze: [encoders.question.model.pooler]   # exceptions that stay trainable
  unfreeze_at: {2: ["encoders.question.model.encoder.layer.5"]}  # epoch (from 0) → unfrozen
  encoder_lr: 2.0e-5                     # encoders' learning rate (new layers: optimizer.lr)
  encoder_patterns: ["encoders.*"]       # what counts as an encoder
  layer_decay: 0.8                       # layer-wise learning-rate decay inside each encoder
```

Frozen parameters keep ``requires_grad=False``; those that are never unfrozen are left out of
the optimizer altogether, and modules whose parameters are all frozen run in eval mode (no
dropout, no running-statistics updates), so a frozen encoder computes exactly what feature
caching stores. Gradual unfreezing (Howard & Ruder 2018, "Universal Language Model
Fine-tuning", §3.3) is a function of the epoch alone, so a resumed run unfreezes the same
parameters at the same time. Layer-wise learning-rate decay (Clark et al. 2020, ELECTRA,
App. A) scales layer ``l`` of an ``L``-layer encoder by ``decay ** (L + 1 - l)``: embeddings
are layer 0, the layers 1..L, and what follows them (pooler, final norm) L + 1.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig
from torch import nn

from polymodal.config import to_plain
from polymodal.errors import ConfigError
from polymodal.training.optim import parameter_groups

_LAYER = re.compile(r"\.layers?\.(\d+)\.")
# Parameters before the first layer (layer 0) in BERT, ViT and our encoders' naming.
_INPUT_PARTS = ("embed", "cls_token", "position", "stem", "patch")


@dataclass(frozen=True)
class FinetuneSettings:
    """``finetune:`` — see the module docstring.

    Attributes:
        freeze: module paths or glob patterns (``fnmatch``) over parameter names to freeze.
        unfreeze: patterns kept trainable even when ``freeze`` matches them.
        unfreeze_at: epoch (counted from 0) → patterns unfrozen from that epoch's start.
        encoder_lr: learning rate of encoder parameters (``None``: ``optimizer.lr``).
        encoder_patterns: patterns naming the encoders (each match is one encoder).
        layer_decay: layer-wise learning-rate decay factor in (0, 1] (1: none).
    """

    freeze: tuple[str, ...] = ()
    unfreeze: tuple[str, ...] = ()
    unfreeze_at: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    encoder_lr: float | None = None
    encoder_patterns: tuple[str, ...] = ("encoders.*",)
    layer_decay: float = 1.0

    @property
    def active(self) -> bool:
        return bool(self.freeze or self.encoder_lr is not None or self.layer_decay != 1.0)


def finetune_settings(config: DictConfig) -> FinetuneSettings:
    """Reads and checks ``config.finetune`` (absent: nothing frozen, one learning rate)."""
    node = config.get("finetune")
    values = to_plain(node) if node is not None else {}
    if not isinstance(values, dict):
        raise ConfigError(f"finetune: expected a mapping, got {values!r}")
    known = set(FinetuneSettings.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"finetune: unknown key(s) {unknown}; known keys: {sorted(known)}")

    def patterns(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"finetune.{key}: expected a list of patterns, got {value!r}")
        return tuple(value)

    unfreeze_at: dict[int, tuple[str, ...]] = {}
    for epoch, listed in (values.get("unfreeze_at") or {}).items():
        try:
            number = int(epoch)
        except ValueError:
            raise ConfigError(f"finetune.unfreeze_at: {epoch!r} is not an epoch number") from None
        if number < 0:
            raise ConfigError(f"finetune.unfreeze_at: epochs count from 0, got {number}")
        unfreeze_at[number] = patterns(f"unfreeze_at.{epoch}", listed)
    decay = float(values.get("layer_decay", 1.0))
    if not 0.0 < decay <= 1.0:
        raise ConfigError(f"finetune.layer_decay must be in (0, 1], got {decay}")
    encoder_lr = values.get("encoder_lr")
    return FinetuneSettings(
        freeze=patterns("freeze", values.get("freeze", [])),
        unfreeze=patterns("unfreeze", values.get("unfreeze", [])),
        unfreeze_at=unfreeze_at,
        encoder_lr=None if encoder_lr is None else float(encoder_lr),
        encoder_patterns=patterns(
            "encoder_patterns", values.get("encoder_patterns", ["encoders.*"])
        ),
        layer_decay=decay,
    )


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def matches(name: str, pattern: str) -> bool:
    """Whether ``pattern`` names the parameter ``name`` or a module above it."""
    return any(fnmatch.fnmatchcase(prefix, pattern) for prefix in _prefixes(name))


def _matching(names: Iterable[str], patterns: Sequence[str]) -> set[str]:
    return {name for name in names if any(matches(name, p) for p in patterns)}


def encoder_root(name: str, patterns: Sequence[str]) -> str | None:
    """The shortest module path above ``name`` matching an encoder pattern, or ``None``."""
    for prefix in _prefixes(name)[:-1]:
        if any(fnmatch.fnmatchcase(prefix, p) for p in patterns):
            return prefix
    return None


def layer_index(relative_name: str, num_layers: int) -> int:
    """0 for embeddings, l + 1 for layer l, ``num_layers`` + 1 for what follows the layers."""
    found = _LAYER.search(f".{relative_name}")
    if found:
        return int(found.group(1)) + 1
    if any(part in relative_name for part in _INPUT_PARTS):
        return 0
    return num_layers + 1


class FineTuning:
    """Applies :class:`FinetuneSettings` to one model.

    Args:
        model: the model (its parameter names are what the patterns match).
        settings: the ``finetune:`` section.

    Raises:
        ConfigError: a pattern that matches no parameter (names it, with examples of names).
    """

    def __init__(self, model: nn.Module, settings: FinetuneSettings) -> None:
        self.model = model
        self.settings = settings
        self.parameters = dict(model.named_parameters())
        # Parameters the model itself keeps fixed stay fixed, whatever the patterns say.
        self.fixed = {n for n, p in self.parameters.items() if not p.requires_grad}
        names = list(self.parameters)
        listed = [("freeze", p) for p in settings.freeze] + [
            ("unfreeze", p) for p in settings.unfreeze
        ]
        listed += [
            (f"unfreeze_at.{epoch}", p) for epoch, ps in settings.unfreeze_at.items() for p in ps
        ]
        listed += [("encoder_patterns", p) for p in settings.encoder_patterns if settings.active]
        for key, pattern in listed:
            if not _matching(names, [pattern]):
                examples = ", ".join(names[:3] + (["...", *names[-2:]] if len(names) > 3 else []))
                raise ConfigError(
                    f"finetune.{key}: pattern {pattern!r} matches no parameter of the model "
                    f"(parameter names look like: {examples})"
                )
        self.frozen_for_good = self.frozen_at(epoch=None)

    def frozen_at(self, epoch: int | None) -> set[str]:
        """Names frozen during ``epoch`` (``None``: frozen for the whole run)."""
        frozen = _matching(self.parameters, self.settings.freeze) - _matching(
            self.parameters, self.settings.unfreeze
        )
        for start, patterns in self.settings.unfreeze_at.items():
            if epoch is None or start <= epoch:
                frozen -= _matching(self.parameters, patterns)
        return frozen | self.fixed

    def apply(self, epoch: int) -> set[str]:
        """Sets ``requires_grad`` for ``epoch``; returns the names unfrozen by this call."""
        frozen = self.frozen_at(epoch)
        unfrozen = set()
        for name, parameter in self.parameters.items():
            trainable = name not in frozen
            if trainable and not parameter.requires_grad:
                unfrozen.add(name)
            parameter.requires_grad_(trainable)
        return unfrozen

    def set_frozen_modules_to_eval(self) -> None:
        """Puts every module whose parameters are all frozen in eval mode (call after
        ``model.train()``): a frozen encoder then computes what it computes at inference."""
        _frozen_to_eval(self.model)

    def counts(self) -> tuple[int, int]:
        """(trainable, frozen) parameter counts, as they stand now."""
        trainable = sum(p.numel() for p in self.parameters.values() if p.requires_grad)
        frozen = sum(p.numel() for p in self.parameters.values() if not p.requires_grad)
        return trainable, frozen

    def parameter_groups(self, weight_decay: float, lr: float | None) -> list[dict[str, Any]]:
        """Optimizer groups: every parameter that trains at some epoch (those frozen for the
        whole run are left out), no weight decay on norms and biases, encoder learning rate
        and layer-wise decay applied.

        Raises:
            ConfigError: ``encoder_lr`` or ``layer_decay`` is set but ``optimizer.lr`` is not,
                or is 0.
        """
        scales: dict[str, float] = {}
        if self.settings.encoder_lr is not None or self.settings.layer_decay != 1.0:
            if not lr:
                raise ConfigError(
                    f"optimizer.lr: got {lr}, but finetune sets encoder_lr or layer_decay, "
                    "rates relative to it: give the new layers' learning rate, > 0"
                )
            scales = self._encoder_scales(lr)
        return parameter_groups(
            self.model,
            weight_decay,
            lr=lr if scales else None,
            lr_scale=lambda name: scales.get(name, 1.0),
            include=lambda name: name not in self.frozen_for_good,
        )

    def _encoder_scales(self, lr: float) -> dict[str, float]:
        patterns = self.settings.encoder_patterns
        encoder_lr = self.settings.encoder_lr if self.settings.encoder_lr is not None else lr
        roots = {name: encoder_root(name, patterns) for name in self.parameters}
        depth: dict[str, int] = {}
        for name, root in roots.items():
            if root is not None:
                found = _LAYER.search(f".{name[len(root) + 1 :]}")
                layers = int(found.group(1)) + 1 if found else 0
                depth[root] = max(depth.get(root, 0), layers)
        scales = {}
        decay = self.settings.layer_decay
        for name, root in roots.items():
            if root is None:
                continue
            layer = layer_index(name[len(root) + 1 :], depth[root])
            scales[name] = encoder_lr / lr * decay ** (depth[root] + 1 - layer)
        return scales


def _frozen_to_eval(module: nn.Module) -> None:
    parameters = list(module.parameters())
    if parameters and not any(p.requires_grad for p in parameters):
        module.eval()
        return
    for child in module.children():
        _frozen_to_eval(child)
