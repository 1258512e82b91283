"""Hugging Face checkpoints → polymodal encoders: the parameter-name mapping and the loader.

Kept out of the model code so that our modules are named for what they are
(``encoder.layers.0.attention.query``), not after another library's nesting
(``encoder.layer.0.attention.self.query``). A checkpoint is a local folder as
``save_pretrained`` writes it: ``config.json`` and ``model.safetensors`` (or shards listed in
``model.safetensors.index.json``). Nothing is downloaded.

The mapping is one to one: every tensor of the checkpoint maps onto exactly one parameter of
ours and back, or loading fails naming the tensors that do not (only index buffers such as
``embeddings.position_ids``, which hold no weights, are skipped — and reported).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from polymodal.errors import CheckpointError

# (pattern over a Hugging Face name, our name as a re.sub replacement)
_LAYER = r"encoder\.layer\.(\d+)\."  # a Hugging Face layer prefix…
_OURS = r"encoder.layers.\1."  # …and ours
BERT_RULES: tuple[tuple[str, str], ...] = (
    (r"embeddings\.word_embeddings\.weight", "embeddings.word.weight"),
    (r"embeddings\.position_embeddings\.weight", "embeddings.position.weight"),
    (r"embeddings\.token_type_embeddings\.weight", "embeddings.token_type.weight"),
    (r"embeddings\.LayerNorm\.(weight|bias)", r"embeddings.norm.\1"),
    (_LAYER + r"attention\.self\.(query|key|value)\.(weight|bias)", _OURS + r"attention.\2.\3"),
    (_LAYER + r"attention\.output\.dense\.(weight|bias)", _OURS + r"attention.out.\2"),
    (_LAYER + r"attention\.output\.LayerNorm\.(weight|bias)", _OURS + r"attention_norm.\2"),
    (_LAYER + r"intermediate\.dense\.(weight|bias)", _OURS + r"feed_forward.fc1.\2"),
    (_LAYER + r"output\.dense\.(weight|bias)", _OURS + r"feed_forward.fc2.\2"),
    (_LAYER + r"output\.LayerNorm\.(weight|bias)", _OURS + r"ffn_norm.\2"),
    (r"pooler\.dense\.(weight|bias)", r"pooler.\1"),
)  # fmt: skip
VIT_RULES: tuple[tuple[str, str], ...] = (
    (r"embeddings\.cls_token", "cls_token"),
    (r"embeddings\.position_embeddings", "position.weight"),
    (r"embeddings\.patch_embeddings\.projection\.(weight|bias)", r"patch_embedding.projection.\1"),
    (_LAYER + r"attention\.attention\.(query|key|value)\.(weight|bias)", _OURS + r"attention.\2.\3"),  # noqa: E501
    (_LAYER + r"attention\.output\.dense\.(weight|bias)", _OURS + r"attention.out.\2"),
    (_LAYER + r"layernorm_before\.(weight|bias)", _OURS + r"attention_norm.\2"),
    (_LAYER + r"layernorm_after\.(weight|bias)", _OURS + r"ffn_norm.\2"),
    (_LAYER + r"intermediate\.dense\.(weight|bias)", _OURS + r"feed_forward.fc1.\2"),
    (_LAYER + r"output\.dense\.(weight|bias)", _OURS + r"feed_forward.fc2.\2"),
    (r"layernorm\.(weight|bias)", r"encoder.final_norm.\1"),
    (r"pooler\.dense\.(weight|bias)", r"pooler.\1"),
)  # fmt: skip


@dataclass(frozen=True)
class Family:
    """How one Hugging Face model family maps onto ours.

    Attributes:
        name: the family, for messages (``bert``, ``vit``).
        rules: (pattern, replacement) pairs over full names.
        prefix: the base-model prefix of task checkpoints (``BertForMaskedLM`` saves
            ``bert.encoder...``), stripped when every name carries it.
        index_buffers: names that hold indices, not weights; skipped.
    """

    name: str
    rules: tuple[tuple[str, str], ...]
    prefix: str
    index_buffers: frozenset[str] = frozenset()


BERT = Family(
    "bert", BERT_RULES, "bert.", frozenset({"embeddings.position_ids", "embeddings.token_type_ids"})
)
VIT = Family("vit", VIT_RULES, "vit.")


@dataclass(frozen=True)
class LoadReport:
    """What loading a checkpoint did.

    Attributes:
        path: the checkpoint folder.
        loaded: number of tensors loaded.
        skipped: checkpoint names deliberately not loaded (index buffers).
    """

    path: Path
    loaded: int
    skipped: list[str]


def map_name(name: str, family: Family) -> str | None:
    """Our parameter name for the Hugging Face name ``name``, or ``None`` when no rule
    matches."""
    for pattern, replacement in family.rules:
        if re.fullmatch(pattern, name):
            return re.sub(pattern, replacement, name)
    return None


def convert_state_dict(
    state: Mapping[str, torch.Tensor], family: Family
) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Renames a Hugging Face state dict to our names.

    Returns:
        The renamed tensors and the names that were skipped as index buffers.

    Raises:
        CheckpointError: names that no rule maps (unexpected keys), or two names mapping onto
            one of ours.
    """
    names = list(state)
    if names and all(n.startswith(family.prefix) for n in names):
        state = {n[len(family.prefix) :]: t for n, t in state.items()}
    converted: dict[str, torch.Tensor] = {}
    origin: dict[str, str] = {}
    skipped: list[str] = []
    unmapped: list[str] = []
    for name, tensor in state.items():
        if name in family.index_buffers:
            skipped.append(name)
            continue
        ours = map_name(name, family)
        if ours is None:
            unmapped.append(name)
            continue
        if ours in converted:
            raise CheckpointError(
                f"{family.name} checkpoint: {origin[ours]!r} and {name!r} both map to {ours!r}"
            )
        converted[ours] = tensor
        origin[ours] = name
    if unmapped:
        raise CheckpointError(
            f"{family.name} checkpoint has {len(unmapped)} unexpected key(s) that map to no "
            f"parameter: {_listing(unmapped)}"
        )
    return converted, skipped


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(sorted(names)[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


def load_converted(module: nn.Module, converted: Mapping[str, torch.Tensor], source: str) -> None:
    """Copies renamed tensors into ``module``, requiring an exact match of names and shapes.

    Raises:
        CheckpointError: naming missing keys (ours, absent from the checkpoint), unexpected
            keys (the checkpoint's, absent from ours) and shape mismatches.
    """
    expected = module.state_dict()
    missing = [k for k in expected if k not in converted]
    unexpected = [k for k in converted if k not in expected]
    problems = []
    if missing:
        problems.append(f"missing key(s) {_listing(missing)}")
    if unexpected:
        problems.append(f"unexpected key(s) {_listing(unexpected)}")
    mismatched = [
        f"{k}: checkpoint {tuple(converted[k].shape)}, model {tuple(expected[k].shape)}"
        for k in expected
        if k in converted and converted[k].shape != expected[k].shape
    ]
    if mismatched:
        problems.append(f"shape mismatch: {'; '.join(mismatched[:6])}")
    if problems:
        raise CheckpointError(
            f"{source} does not match {type(module).__name__}: " + "; ".join(problems)
        )
    module.load_state_dict(dict(converted), strict=True)


def read_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` of a Hugging Face checkpoint folder."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise CheckpointError(
            f"{path}: no config.json — expected a Hugging Face model folder "
            "(as written by save_pretrained)"
        )
    config: dict[str, Any] = json.loads(path.read_text())
    return config


def read_safetensors(folder: str | Path) -> dict[str, torch.Tensor]:
    """All tensors of the checkpoint in ``folder``: ``model.safetensors``, or the shards that
    ``model.safetensors.index.json`` lists."""
    folder = Path(folder)
    single = folder / "model.safetensors"
    if single.is_file():
        return load_file(single)
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        state: dict[str, torch.Tensor] = {}
        for shard in shards:
            state.update(load_file(folder / shard))
        return state
    others = sorted(p.name for p in folder.glob("*.bin")) if folder.is_dir() else []
    hint = f" (found {', '.join(others)}: convert it to safetensors first)" if others else ""
    raise CheckpointError(f"{folder}: no model.safetensors or model.safetensors.index.json{hint}")


def load_checkpoint(module: nn.Module, folder: str | Path, family: Family) -> LoadReport:
    """Loads the Hugging Face checkpoint in ``folder`` into ``module`` through ``family``'s
    name mapping."""
    state = read_safetensors(folder)
    converted, skipped = convert_state_dict(state, family)
    load_converted(module, converted, f"checkpoint {folder}")
    return LoadReport(Path(folder), len(converted), skipped)


def has_pooler(folder: str | Path) -> bool:
    """Whether the checkpoint in ``folder`` holds pooler weights."""
    return any(".pooler." in f".{name}" for name in read_safetensors(folder))


def _require(config: Mapping[str, Any], key: str, allowed: Sequence[Any], source: str) -> None:
    value = config.get(key, allowed[0])
    if value not in allowed:
        raise CheckpointError(f"{source}: {key}={value!r} is not supported (supported: {allowed})")


def bert_arguments(config: Mapping[str, Any], source: str = "config.json") -> dict[str, Any]:
    """``BertTextEncoder`` keyword arguments from a Hugging Face ``BertConfig`` dict."""
    _require(config, "position_embedding_type", ["absolute"], source)
    _require(config, "is_decoder", [False], source)
    _require(config, "add_cross_attention", [False], source)
    return {
        "vocab_size": config["vocab_size"],
        "dim": config["hidden_size"],
        "num_layers": config["num_hidden_layers"],
        "num_heads": config["num_attention_heads"],
        "ffn_dim": config["intermediate_size"],
        "max_length": config["max_position_embeddings"],
        "type_vocab_size": config.get("type_vocab_size", 2),
        "dropout": config.get("hidden_dropout_prob", 0.1),
        "attention_dropout": config.get("attention_probs_dropout_prob", 0.1),
        "activation": config.get("hidden_act", "gelu"),
        "layer_norm_eps": config.get("layer_norm_eps", 1e-12),
        "pad_id": config.get("pad_token_id", 0) or 0,
    }


def vit_arguments(config: Mapping[str, Any], source: str = "config.json") -> dict[str, Any]:
    """``ViTEncoder`` keyword arguments from a Hugging Face ``ViTConfig`` dict."""
    hidden = config["hidden_size"]
    _require(config, "pooler_act", ["tanh"], source)
    _require(config, "pooler_output_size", [hidden, None], source)
    return {
        "image_size": config.get("image_size", 224),
        "patch_size": config.get("patch_size", 16),
        "in_channels": config.get("num_channels", 3),
        "dim": hidden,
        "num_layers": config["num_hidden_layers"],
        "num_heads": config["num_attention_heads"],
        "ffn_dim": config["intermediate_size"],
        "dropout": config.get("hidden_dropout_prob", 0.0),
        "attention_dropout": config.get("attention_probs_dropout_prob", 0.0),
        "activation": config.get("hidden_act", "gelu"),
        "layer_norm_eps": config.get("layer_norm_eps", 1e-12),
        "qkv_bias": config.get("qkv_bias", True),
    }
