"""What ``polymodal models`` lists: the model builders and encoders that ship, and the local
Hugging Face folders that configs name, described from their files without loading weights."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from polymodal.config import load_config, shipped_configs
from polymodal.encoders.hf_folders import MODEL_FILES, PACKAGE_PREFIX, check_folder
from polymodal.errors import PolymodalError

# (dotted path, modality): the builders a config's `model:` or `encoders:` can name.
BUILDERS: tuple[tuple[str, str], ...] = (
    ("polymodal.models.MultimodalModel", "any"),
    ("polymodal.models.classic.MultimodalSentimentClassifier", "text + image"),
    ("polymodal.models.classic.VisualQuestionAnsweringModel", "image + text"),
    ("polymodal.encoders.hf.HFTextEncoder", "text"),
    ("polymodal.encoders.hf.HFImageEncoder", "image"),
    ("polymodal.encoders.BertTextEncoder", "text"),
    ("polymodal.encoders.GRUTextEncoder", "text"),
    ("polymodal.encoders.BagOfWordsEncoder", "text"),
    ("polymodal.encoders.ViTEncoder", "image"),
    ("polymodal.encoders.ConvImageEncoder", "image"),
    ("polymodal.encoders.FeatureSequenceEncoder", "audio / video features"),
)
# Config keys whose value is a Hugging Face folder.
FOLDER_KEYS = ("path", "text_model_name", "image_model_name")
_VISION_KEYS = ("image_size", "num_channels", "patch_size")


def _first_line(target: Any) -> str:
    doc = (getattr(target, "__doc__", None) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def builder_rows() -> list[dict[str, str]]:
    rows = []
    for dotted, modality in BUILDERS:
        module_name, _, name = dotted.rpartition(".")
        target = getattr(importlib.import_module(module_name), name)
        rows.append({"component": dotted, "modality": modality, "what it is": _first_line(target)})
    return rows


def _walk(node: Any, where: str) -> Iterable[tuple[str, str]]:
    """(config path, folder) for every folder-valued key under an HF component."""
    if isinstance(node, Mapping):
        component = str(node.get("_component_", ""))
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if key in FOLDER_KEYS and isinstance(value, str) and _names_hf(component, key):
                yield here, value
            else:
                yield from _walk(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}[{index}]")


def _names_hf(component: str, key: str) -> bool:
    return key != "path" or ".hf" in component or component.endswith(("HFImageProcessor",))


def folders_in_configs(sources: Sequence[str]) -> dict[str, list[str]]:
    """Folder → where it is named (``config:key.path``), from ``sources`` (configs or folders;
    none: every shipped config)."""
    found: dict[str, list[str]] = {}
    for source in sources or shipped_configs():
        path = Path(source).expanduser()
        looks_like_folder = "/" in source and path.suffix not in (".yaml", ".yml")
        if source.startswith(PACKAGE_PREFIX) or path.is_dir() or looks_like_folder:
            found.setdefault(source, []).append("command line")
            continue
        config = OmegaConf.to_container(load_config(source), resolve=False)
        for where, folder in _walk(config, ""):
            if "${" in folder:
                continue  # an interpolation: its target is listed where it is written
            found.setdefault(folder, []).append(f"{source}:{where}")
    return found


def _parameter_count(folder: Path) -> int | None:
    from safetensors import safe_open

    files = sorted(folder.glob("*.safetensors"))
    if not files:
        return None
    total = 0
    for file in files:
        with safe_open(str(file), framework="pt") as tensors:
            for name in tensors.keys():  # noqa: SIM118 (safe_open is not a dict)
                shape = tensors.get_slice(name).get_shape()
                count = 1
                for size in shape:
                    count *= int(size)
                total += count
    return total


def describe_folder(folder: str) -> dict[str, str]:
    """Model type, modality, parameter count and hidden size of a local folder, read from
    ``config.json`` and the safetensors headers (no weights are loaded)."""
    try:
        path = check_folder(folder, MODEL_FILES, "a pretrained encoder")
    except PolymodalError as error:
        return {"model type": f"unavailable: {error}"}
    config = json.loads((path / "config.json").read_text())
    vision = any(key in config for key in _VISION_KEYS) or "vision_config" in config
    sizes = config.get("hidden_sizes")
    hidden = sizes[-1] if sizes else config.get("hidden_size", config.get("d_model", "?"))
    count = _parameter_count(path)
    return {
        "model type": str(config.get("model_type", "?")),
        "modality": "image" if vision else "text",
        "parameters": f"{count / 1e6:.1f} M" if count else "?",
        "hidden size": str(hidden),
    }


def folder_rows(folders: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    return [
        {"folder": folder, "named by": ", ".join(named), **describe_folder(folder)}
        for folder, named in folders.items()
    ]


def markdown(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row.get(c, "") for c in columns) + " |" for row in rows]
    return "\n".join(lines)
