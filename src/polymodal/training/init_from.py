"""Initialising a model from a pre-trained run (or a safetensors file) before training.

``init_from:`` in a run config names the source and declares how its tensors relate to the new
model: a mapping of module paths, the source tensors deliberately left out, the new model's
parameters deliberately left at their initialisation, and embedding tables whose rows grow (a
vocabulary extended with new words). Anything else that does not match — a tensor without a
place, a parameter without a value, a shape that differs — is an error naming every such key,
never a warning: a silently half-loaded model trains, and fools its user.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from polymodal.config import to_plain
from polymodal.errors import CheckpointError, ConfigError
from polymodal.training.checkpoint import MODEL_FILE, checkpoint_path

REPORT_FILE = "init_from.json"


@dataclass(frozen=True)
class InitFrom:
    """``init_from:`` — where the initial weights come from and how they map.

    Attributes:
        path: a run folder written by ``polymodal train`` / ``pretrain``, or a
            ``.safetensors`` file.
        checkpoint: for a run folder, ``last``, ``best`` or a step folder's name.
        map: source key prefix → target key prefix (the longest matching prefix wins; keys
            matching none keep their name), e.g.
            ``{dual_encoder.encoders.caption.: encoders.question.}``.
        ignore_unexpected: prefixes of source keys (as named in the source) that the new model
            has no place for and that are left out on purpose (pre-training heads...).
        skip: prefixes of source keys left out even though the model has a place for them
            (a part to train afresh); their places must then be in ``allow_missing``.
        allow_missing: prefixes of the new model's keys that stay as initialised (new heads).
        resize: new-model keys whose first dimension may differ: the leading rows are copied
            (an embedding table whose vocabulary was extended, see ``transforms``).
        transforms: new field → source field: the new run's tokenizer for the field starts
            from the source run's fitted vocabulary, and words of the new training data that
            it lacks are appended after it, so every pre-trained word keeps its id.
    """

    path: str
    checkpoint: str = "last"
    map: dict[str, str] = field(default_factory=dict)
    ignore_unexpected: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    allow_missing: list[str] = field(default_factory=list)
    resize: list[str] = field(default_factory=list)
    transforms: dict[str, str] = field(default_factory=dict)

    @property
    def is_run(self) -> bool:
        return not self.path.endswith(".safetensors")


def init_from_settings(config: DictConfig) -> InitFrom | None:
    """The config's ``init_from`` section, checked, or ``None`` when it has none.

    ``init_from: PATH`` is short for ``init_from: {path: PATH}``.
    """
    node = config.get("init_from")
    if node is None:
        return None
    values = to_plain(node)
    if isinstance(values, str):
        values = {"path": values}
    if not isinstance(values, dict):
        raise ConfigError(f"init_from: expected a path or a mapping, got {values!r}")
    known = {f.name for f in fields(InitFrom)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"init_from: unknown key(s) {unknown}; known keys: {sorted(known)}")
    if not isinstance(values.get("path"), str) or not values["path"]:
        raise ConfigError("init_from.path: expected a run folder or a .safetensors file")
    for name in ("map", "transforms"):
        mapping = values.get(name, {})
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ConfigError(f"init_from.{name}: expected a mapping of strings, got {mapping!r}")
    for name in ("ignore_unexpected", "skip", "allow_missing", "resize"):
        listed = values.get(name, [])
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise ConfigError(f"init_from.{name}: expected a list of strings, got {listed!r}")
    return InitFrom(**values)


def init_from_problems(config: DictConfig) -> list[str]:
    """Problems with ``init_from`` for ``validate`` (the source is checked when training)."""
    try:
        init_from_settings(config)
    except ConfigError as error:
        return [str(error)]
    return []


def source_file(settings: InitFrom) -> Path:
    """The safetensors file the weights come from."""
    path = Path(settings.path)
    if not settings.is_run:
        if not path.is_file():
            raise CheckpointError(f"init_from.path: {path} does not exist")
        return path
    if not path.is_dir():
        raise CheckpointError(
            f"init_from.path: {path} is neither a run folder nor a .safetensors file"
        )
    return checkpoint_path(path, settings.checkpoint) / MODEL_FILE


def mapped_key(key: str, mapping: Mapping[str, str]) -> str:
    """``key`` with its longest matching source prefix replaced by the target prefix."""
    matches = [prefix for prefix in mapping if key.startswith(prefix)]
    if not matches:
        return key
    prefix = max(matches, key=len)
    return mapping[prefix] + key[len(prefix) :]


@dataclass
class InitReport:
    """What loading did, key by key (target names, except ``unexpected``: source names)."""

    source: str
    loaded: list[str] = field(default_factory=list)
    resized: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    extended_vocabularies: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"init_from {self.source}: loaded {len(self.loaded)} tensors",
            f"{len(self.resized)} resized ({', '.join(self.resized) or 'none'})",
            f"{len(self.missing)} missing as declared",
            f"{len(self.unexpected)} unexpected as declared",
            f"{len(self.skipped)} skipped as declared",
        ]
        for name, sizes in self.extended_vocabularies.items():
            parts.append(
                f"vocabulary {name}: {sizes['source']} pre-trained + {sizes['added']} new words"
            )
        return "; ".join(parts)

    def write(self, run_root: Path) -> Path:
        path = run_root / REPORT_FILE
        path.write_text(json.dumps(self.__dict__, indent=1) + "\n")
        return path


def _matches(key: str, prefixes: list[str]) -> bool:
    return any(key.startswith(prefix) for prefix in prefixes)


def _unused(prefixes: list[str], keys: list[str]) -> list[str]:
    return [prefix for prefix in prefixes if not any(key.startswith(prefix) for key in keys)]


def load_initial_weights(
    model: nn.Module, settings: InitFrom, report: InitReport | None = None
) -> InitReport:
    """Copies the source tensors into ``model`` as ``settings`` declares.

    Raises:
        CheckpointError: the source cannot be read, or keys or shapes mismatch in a way the
            settings do not declare (every offending key is listed).
    """
    path = source_file(settings)
    try:
        source = load_file(str(path))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"init_from: cannot read {path}: {error}") from None
    report = report or InitReport(str(path))
    report.source = str(path)
    target = model.state_dict()
    mapped: dict[str, tuple[str, torch.Tensor]] = {}
    for key, tensor in source.items():
        if _matches(key, settings.skip):
            report.skipped.append(key)
            continue
        new_key = mapped_key(key, settings.map)
        if new_key in target:
            mapped[new_key] = (key, tensor)
        else:
            report.unexpected.append(key)
    report.missing = [key for key in target if key not in mapped]
    problems = []
    undeclared = [k for k in report.unexpected if not _matches(k, settings.ignore_unexpected)]
    if undeclared:
        problems.append(
            f"{len(undeclared)} source tensor(s) have no place in the model (declare them in "
            f"init_from.ignore_unexpected or map them in init_from.map): {undeclared}"
        )
    undeclared = [k for k in report.missing if not _matches(k, settings.allow_missing)]
    if undeclared:
        problems.append(
            f"{len(undeclared)} model parameter(s) get no value (declare them in "
            f"init_from.allow_missing or map a source onto them): {undeclared}"
        )
    for name, prefixes, keys in (
        ("ignore_unexpected", settings.ignore_unexpected, report.unexpected),
        ("skip", settings.skip, report.skipped),
        ("allow_missing", settings.allow_missing, report.missing),
        ("resize", settings.resize, list(mapped)),
    ):
        stale = _unused(prefixes, keys)
        if stale:
            problems.append(f"init_from.{name}: {stale} match(es) no key")
    with torch.no_grad():
        for key, (source_key, tensor) in mapped.items():
            destination = target[key]
            if tensor.shape == destination.shape:
                destination.copy_(tensor)
                report.loaded.append(key)
            elif key in settings.resize and _leading_rows_fit(tensor, destination):
                destination[: tensor.shape[0]].copy_(tensor)
                report.loaded.append(key)
                report.resized.append(key)
            else:
                problems.append(
                    f"{source_key} → {key}: shape {tuple(tensor.shape)} in the source, "
                    f"{tuple(destination.shape)} in the model"
                    + ("" if key in settings.resize else " (not declared in init_from.resize)")
                )
    if problems:
        raise CheckpointError(f"init_from {path}:\n  " + "\n  ".join(problems))
    model.load_state_dict(target)
    return report


def _leading_rows_fit(source: torch.Tensor, destination: torch.Tensor) -> bool:
    return (
        source.dim() == destination.dim()
        and source.shape[1:] == destination.shape[1:]
        and source.shape[0] <= destination.shape[0]
    )


def extend_vocabularies(
    settings: InitFrom, transforms: Mapping[str, Any], report: InitReport
) -> None:
    """Gives each tokenizer named in ``settings.transforms`` the source run's vocabulary,
    followed by the words of its own fitted vocabulary that the source lacks."""
    if not settings.transforms:
        return
    if not settings.is_run:
        raise ConfigError(
            "init_from.transforms needs init_from.path to be a run folder (its state/ holds the "
            f"fitted vocabularies); got the file {settings.path}"
        )
    for field_name, source_field in settings.transforms.items():
        if field_name not in transforms:
            raise ConfigError(
                f"init_from.transforms: {field_name!r} is not one of this config's transforms "
                f"{sorted(transforms)}"
            )
        transform = transforms[field_name]
        state_path = Path(settings.path) / "state" / f"transform_{source_field}.json"
        if not state_path.is_file():
            raise ConfigError(
                f"init_from.transforms: {state_path} is missing: the source run has no fitted "
                f"transform {source_field!r}"
            )
        source_state = json.loads(state_path.read_text())
        own_state = transform.state_dict()
        if "vocab" not in source_state or "vocab" not in own_state:
            raise ConfigError(
                f"init_from.transforms.{field_name}: only tokenizers with a word vocabulary "
                "('vocab' in their state) can be carried over"
            )
        vocabulary = {str(word): int(index) for word, index in source_state["vocab"].items()}
        if sorted(vocabulary.values()) != list(range(len(vocabulary))):
            raise ConfigError(f"{state_path}: vocabulary ids are not 0..{len(vocabulary) - 1}")
        added = [word for word in own_state["vocab"] if word not in vocabulary]
        for word in added:
            vocabulary[word] = len(vocabulary)
        transform.load_state_dict({**own_state, "vocab": vocabulary})
        report.extended_vocabularies[field_name] = {
            "source": len(source_state["vocab"]),
            "added": len(added),
        }
