"""Feature caching: a frozen encoder's outputs, computed once per dataset split and stored, so
training reads features instead of recomputing them every epoch.

Layout, under ``feature_cache.dir`` (default ``features/<run name>``)::

    <dir>/<split>/<field>/index.json              count, width, what is stored, the hash
    <dir>/<split>/<field>/shard-00000.safetensors  pooled (n, D) [+ tokens (n, L, D), lengths (n,)]

The hash covers everything the features depend on: the encoder's config and every weight and
buffer, the field's sample and batch transforms, and the split's dataset config. A cache whose
hash differs from the run's is stale and refused, with the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from safetensors.torch import load_file, save_file
from torch import nn
from torch.utils.data import Dataset

from polymodal.config import to_plain
from polymodal.data.batch import Padded, collate
from polymodal.data.fields import field_values
from polymodal.data.pipeline import RAW_SUFFIX
from polymodal.encoders.output import EncoderOutput
from polymodal.errors import ConfigError, DataError

FORMAT = 1
INDEX_FILE = "index.json"
STORES = ("pooled", "tokens")


@dataclass(frozen=True)
class FeatureCacheSettings:
    """``feature_cache:`` — which encoders' features are cached, and where.

    Attributes:
        fields: the batch fields (modalities) whose encoders are frozen and cached.
        dir: the cache folder (``None``: ``features/<run name>``).
        store: ``pooled`` (one vector per sample; enough for fusions that read pooled vectors)
            or ``tokens`` (pooled vector and token features, for attention fusions).
        shard_size: samples per safetensors shard.
        batch_size: samples per encoder call while extracting.
    """

    fields: tuple[str, ...]
    dir: str | None = None
    store: str = "pooled"
    shard_size: int = 8192
    batch_size: int = 256

    def folder(self, config: DictConfig, split: str, field: str) -> Path:
        root = Path(self.dir) if self.dir else Path("features") / str(config.name)
        return root / split / field


def feature_cache_settings(config: DictConfig) -> FeatureCacheSettings | None:
    """Reads ``config.feature_cache`` (``None`` when absent or null)."""
    node = config.get("feature_cache")
    if node is None:
        return None
    values = to_plain(node)
    if not isinstance(values, dict):
        raise ConfigError(f"feature_cache: expected a mapping, got {values!r}")
    known = set(FeatureCacheSettings.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"feature_cache: unknown key(s) {unknown}; known keys: {sorted(known)}")
    fields = values.get("fields")
    if isinstance(fields, str):
        fields = [fields]
    if not fields or not all(isinstance(f, str) for f in fields):
        raise ConfigError("feature_cache.fields: expected a non-empty list of batch field names")
    settings = FeatureCacheSettings(**{**values, "fields": tuple(fields)})
    if settings.store not in STORES:
        raise ConfigError(f"feature_cache.store must be one of {STORES}, got {settings.store!r}")
    return settings


def cached_encoder(model: nn.Module, field: str) -> nn.Module:
    """``model.encoders[field]``, the encoder whose features are cached."""
    encoders = getattr(model, "encoders", None)
    if not isinstance(encoders, nn.ModuleDict) or field not in encoders:
        raise ConfigError(
            f"feature_cache.fields: the model has no encoder for field {field!r} "
            f"(feature caching needs a model with an `encoders` ModuleDict)"
        )
    encoder: nn.Module = encoders[field]
    return encoder


def cache_hash(config: DictConfig, encoder: nn.Module, split: str, field: str) -> str:
    """SHA-256 of everything the features depend on (see the module docstring)."""
    digest = hashlib.sha256()
    encoders_node = config.model.get("encoders")
    encoder_node = encoders_node.get(field) if OmegaConf.is_dict(encoders_node) else None
    parts = {
        "format": FORMAT,
        # The encoder's own config when the model names one per field; else the whole model's.
        "encoder": _plain_node(encoder_node if encoder_node is not None else config.model),
        "settings": _module_settings(encoder),
        "transform": _plain_node((config.get("transforms") or {}).get(field)),
        "batch_transform": _plain_node((config.get("batch_transforms") or {}).get(field)),
        "dataset": _plain_node(config.data.get(split)),
    }
    digest.update(json.dumps(parts, sort_keys=True, default=str).encode())
    for name, tensor in sorted(encoder.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _module_settings(encoder: nn.Module) -> dict[str, Any]:
    """Plain attributes of every submodule (a pooling rule, a width): settings that change
    the features without changing any weight."""
    plain = (str, int, float, bool, type(None))
    return {
        f"{name}.{key}" if name else key: value
        for name, module in encoder.named_modules()
        for key, value in vars(module).items()
        # name_or_path: where the weights were read, not what they are (they are hashed).
        if not key.startswith("_")
        and key not in ("training", "name_or_path")
        and isinstance(value, plain)
    }


def _plain_node(node: Any) -> Any:
    if node is None:
        return None
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


@torch.no_grad()
def extract_features(
    encoder: nn.Module,
    values: list[Any],
    transform: Callable[[Any], Any] | None,
    batch_transform: Callable[[Any], Any] | None,
    folder: Path,
    settings: FeatureCacheSettings,
    metadata: Mapping[str, Any],
    device: torch.device,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Encodes ``values`` (one field of every sample, in dataset order) and writes the shards
    and ``index.json`` into ``folder``; returns the index.

    Shapes:
        each shard: pooled (n, D) float32; with ``store: tokens`` also tokens (n, L, D) float32
        (zero padded) and lengths (n,) int64.
    """
    encoder.eval()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("shard-*.safetensors"):
        stale.unlink()
    (folder / INDEX_FILE).unlink(missing_ok=True)  # no index until every shard is written
    shards: list[dict[str, Any]] = []
    width = 0
    for start in range(0, len(values), settings.shard_size):
        chunk = values[start : start + settings.shard_size]
        pooled, tokens, lengths = [], [], []
        for offset in range(0, len(chunk), settings.batch_size):
            rows = chunk[offset : offset + settings.batch_size]
            prepared = [transform(v) if transform is not None else v for v in rows]
            batch = collate([{"value": v} for v in prepared])["value"]
            batch = batch.to(device) if isinstance(batch, torch.Tensor | Padded) else batch
            if batch_transform is not None:
                batch = batch_transform(batch)
            output: EncoderOutput = encoder(batch)
            pooled.append(output.pooled.float().cpu())
            if settings.store == "tokens":
                for row in range(output.tokens.shape[0]):
                    real = output.tokens[row][output.mask[row]].float().cpu()
                    tokens.append(real)
                    lengths.append(real.shape[0])
            if progress is not None:
                progress(start + offset + len(rows), len(values))
        tensors = {"pooled": torch.cat(pooled)}
        width = int(tensors["pooled"].shape[1])
        if settings.store == "tokens":
            padded = torch.zeros(len(tokens), max(lengths), width)
            for row, sequence in enumerate(tokens):
                padded[row, : sequence.shape[0]] = sequence
            tensors["tokens"] = padded
            tensors["lengths"] = torch.tensor(lengths, dtype=torch.long)
        name = f"shard-{len(shards):05d}.safetensors"
        save_file(tensors, str(folder / name))
        shards.append({"file": name, "start": start, "count": len(chunk)})
    index = {
        "format": FORMAT,
        **metadata,
        "count": len(values),
        "dim": width,
        "store": settings.store,
        "shards": shards,
    }
    (folder / INDEX_FILE).write_text(json.dumps(index, indent=1))
    return index


class FeatureCache:
    """One split's cached features for one field, loaded into memory.

    Args:
        folder: ``<dir>/<split>/<field>``.
        expected_hash: the hash the run computes (:func:`cache_hash`).
        expected_count: the number of samples in the split.
        rebuild: the command that (re)builds this cache, for error messages.

    Raises:
        DataError: the cache is missing, incomplete, stale (hash differs) or has another
            number of samples than the dataset.
    """

    def __init__(self, folder: Path, expected_hash: str, expected_count: int, rebuild: str) -> None:
        index_file = folder / INDEX_FILE
        if not index_file.is_file():
            raise DataError(f"{index_file}: no feature cache here; build it with `{rebuild}`")
        index = json.loads(index_file.read_text())
        if index.get("format") != FORMAT or index.get("hash") != expected_hash:
            raise DataError(
                f"{index_file}: stale feature cache — the encoder, its weights, the "
                f"preprocessing or the dataset changed since it was extracted (hash "
                f"{str(index.get('hash'))[:12]} ≠ {expected_hash[:12]}); rebuild it with "
                f"`{rebuild}`"
            )
        if index["count"] != expected_count:
            raise DataError(
                f"{index_file}: holds {index['count']} samples but the dataset has "
                f"{expected_count}; rebuild it with `{rebuild}`"
            )
        self.store = str(index["store"])
        pooled, tokens = [], []
        for shard in index["shards"]:
            path = folder / shard["file"]
            if not path.is_file():
                raise DataError(
                    f"{path}: missing shard of the feature cache; rebuild with `{rebuild}`"
                )
            tensors = load_file(str(path))
            pooled.append(tensors["pooled"])
            if self.store == "tokens":
                lengths = tensors["lengths"].tolist()
                tokens += [tensors["tokens"][row, :n] for row, n in enumerate(lengths)]
        self.pooled = torch.cat(pooled)
        self.tokens = tokens
        self.index = index

    def __len__(self) -> int:
        return int(self.pooled.shape[0])

    def __getitem__(self, index: int) -> torch.Tensor:
        """(D,) pooled, or (1 + L, D): the pooled vector, then the tokens."""
        if self.store == "pooled":
            return self.pooled[index]
        return torch.cat([self.pooled[index].unsqueeze(0), self.tokens[index]])


class CachedFieldsDataset(Dataset[dict[str, Any]]):
    """A dataset whose cached fields are replaced by their features (the original text stays
    as ``<field>_raw``, as the transforms would have kept it, for prediction records)."""

    def __init__(
        self, dataset: Dataset[dict[str, Any]], caches: Mapping[str, FeatureCache]
    ) -> None:
        self.dataset = dataset
        self.caches = dict(caches)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = dict(self.dataset[index])
        for field, cache in self.caches.items():
            if isinstance(sample.get(field), str):
                sample[f"{field}{RAW_SUFFIX}"] = sample[field]
            sample[field] = cache[index]
        return sample

    def field_values(self, field: str) -> list[Any]:
        if field in self.caches:
            return [self.caches[field][i] for i in range(len(self))]
        return field_values(self.dataset, field)

    def __getattr__(self, name: str) -> Any:
        # Datasets report skipped samples etc. through their own methods; pass those through.
        if name.startswith("__") or name in ("dataset", "caches"):
            raise AttributeError(name)
        return getattr(self.dataset, name)


class CachedEncoder(nn.Module):
    """Stands in for a frozen encoder during training: turns cached features back into the
    :class:`EncoderOutput` the encoder would have returned.

    Shapes:
        features: (B, D) pooled only → tokens (B, 1, D) (the pooled vector as one token),
        mask (B, 1), pooled (B, D); or Padded((B, 1 + L, D), mask) / (B, 1 + L, D) →
        pooled = row 0, tokens = rows 1.., mask of the tokens.
    """

    def forward(self, features: torch.Tensor | Padded) -> EncoderOutput:
        if isinstance(features, Padded):
            values, mask = features.values, features.mask
        elif features.dim() == 3:
            values = features
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        else:
            pooled = features
            ones = torch.ones(pooled.shape[0], 1, dtype=torch.bool, device=pooled.device)
            return EncoderOutput(tokens=pooled.unsqueeze(1), mask=ones, pooled=pooled)
        return EncoderOutput(tokens=values[:, 1:], mask=mask[:, 1:], pooled=values[:, 0])


def with_cached_encoders(model: nn.Module, fields: tuple[str, ...]) -> nn.Module:
    """A view of ``model`` whose ``encoders[field]`` read cached features. It shares every
    other module — and so every parameter — with ``model``, which stays whole (its checkpoints
    keep the frozen encoder's weights and load into a model built without the cache)."""
    view = object.__new__(type(model))
    view.__dict__ = dict(model.__dict__)
    view._modules = dict(model._modules)
    original = model._modules["encoders"]
    assert isinstance(original, nn.ModuleDict)
    encoders: dict[str, nn.Module] = dict(original.items())
    for field in fields:
        encoders[field] = CachedEncoder()
    view._modules["encoders"] = nn.ModuleDict(encoders)
    return view
