"""Every fusion on the same encoders and the same small training budget, on three datasets:
(a) easy-VQA, (b) Sort-of-CLEVR, (c) the synthetic MOSI-shaped sentiment set.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fusion_table.py \
        [--datasets easy_vqa sort_of_clevr synthetic_sentiment] [--fusions concat tensor ...]

Each (dataset, fusion) row trains the dataset's shipped config with only ``model.fusion`` (and
the head's input width) replaced, for the budget in ``BUDGETS``; rows of earlier invocations
are kept, so datasets and fusions can be run a few at a time. Writes
``benchmarks/results/fusion_table.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from hardware import describe
from polymodal.config import load_config
from polymodal.recipes.train import train

RESULTS = Path(__file__).resolve().parent / "results"

#: dataset → (shipped config, overrides that set the budget and the shared encoders).
BUDGETS: dict[str, tuple[str, list[str]]] = {
    "easy_vqa": (
        "easy_vqa",
        ["training.max_steps=300", "training.eval_every=null", "data.val.limit=1000"],
    ),
    "sort_of_clevr": (
        "sort_of_clevr_attention_rn",
        [
            "training.max_steps=1000",
            "training.eval_every=1000",
            "data.val.num_images=25",
        ],
    ),
    "synthetic_sentiment": ("synthetic_sentiment", ["training.epochs=8"]),
}
BUDGET_TEXT = {
    "easy_vqa": "300 steps × 64 questions (half an epoch); val 1,000 questions, full test",
    "sort_of_clevr": (
        "1,000 steps × 64 questions, two per image (64,000 of 196,000; the RN paper's CNN, a"
        " 5×5 map: 25 objects); full test"
    ),
    "synthetic_sentiment": (
        "8 epochs × 1,284 clips, batch 32; best val MAE checkpoint. Synthetic data shaped like"
        " CMU-MOSI, not CMU-MOSI: its label is built from interactions between the modalities"
        " (docs/datasets.md)"
    ),
}
Spec = Callable[[dict[str, int]], tuple[dict[str, Any], int]]


def fusion_specs(dataset: str) -> dict[str, Spec]:
    """Fusion name → (input_dims → (the fusion's config node, its output width))."""

    def node(component: str, dims: dict[str, int], **kwargs: Any) -> dict[str, Any]:
        return {"_component_": f"polymodal.fusion.{component}", "input_dims": dims, **kwargs}

    # Fused width: 256 for the VQA datasets, 64 for the small sentiment encoders.
    w = 64 if dataset == "synthetic_sentiment" else 256
    common: dict[str, Spec] = {
        "concat": lambda d: (node("ConcatFusion", d, dim=w), w),
        "late": lambda d: (node("WeightedLateFusion", d, dim=w, hidden_dims=[w]), w),
        "softmax_gated": lambda d: (node("SoftmaxGatedFusion", d, dim=w), w),
        "tensor": lambda d: (node("TensorFusion", d, dim=w), w),
        "low_rank": lambda d: (node("LowRankFusion", d, dim=w, rank=8), w),
        "graph": lambda d: (node("GraphFusion", d, dim=128, num_layers=2), 128),
    }
    if dataset == "synthetic_sentiment":
        return {
            **common,
            "early": lambda d: (node("EarlyConcatFusion", d, dim=64), 64),
            "graph": lambda d: (
                node("GraphFusion", d, dim=64, num_layers=2, nodes="pooled"),
                64,
            ),
        }
    return {
        **common,
        "cnn_mlp": lambda d: (node("ConcatFusion", d, dim=256, flatten={"image": 25}), 256),
        "product": lambda d: (node("ProductFusion", d, dim=256), 256),
        "gmu": lambda d: (node("GatedMultimodalUnit", d, dim=256), 256),
        "mlb": lambda d: (node("MLBFusion", d, dim=256, rank=1024), 256),
        "mutan": lambda d: (
            node("MUTANFusion", d, dim=256, hidden_dims=[128, 128], core_dim=256, rank=5),
            256,
        ),
        "mcb": lambda d: (node("MCBFusion", d, sketch_dim=2048), 2048),
        "film": lambda d: (node("FiLMFusion", d, dim=256, num_blocks=2, norm="group"), 256),
        "relation": lambda d: (
            node(
                "RelationFusion",
                d,
                g_dims=[128, 128, 128],
                f_dims=[256, 256],
                pairing="unordered",
            ),
            256,
        ),
        "attention_relation": lambda d: (
            node("AttentionRelationFusion", d, g_dims=[128, 128, 128], f_dims=[256, 256]),
            256,
        ),
        "cross_attention": lambda d: (
            node(
                "CrossAttentionFusion",
                d,
                dim=d["question"],
                query="question",
                context="image",
                num_layers=1,
                num_heads=4,
            ),
            d["question"],
        ),
    }


def configure(dataset: str, fusion: str, output: str) -> DictConfig:
    name, overrides = BUDGETS[dataset]
    config = load_config(name, [*overrides, f"output_dir={output}", f"name={dataset}_{fusion}"])
    encoders = config.model.encoders
    dims = {str(m): int(encoders[m].dim) for m in encoders}
    node, width = fusion_specs(dataset)[fusion](dims)
    OmegaConf.set_struct(config, False)
    config.model.fusion = OmegaConf.create(node)
    for head in config.model.heads.values():
        head.input_dim = width
    return config


def _parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def run(dataset: str, fusion: str, command: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as output:
        config = configure(dataset, fusion, output)
        fusion_parameters = _parameters(_built_fusion(config))
        cpu_started, started = time.process_time(), time.perf_counter()
        result = train(config)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        model_parameters = json.loads(
            (result.run_dir / "metrics.jsonl").read_text().splitlines()[0]
        ).get("trainable")
    return {
        "dataset": dataset,
        "fusion": fusion,
        "component": str(config.model.fusion._component_).rsplit(".", 1)[-1],
        "fusion_parameters": fusion_parameters,
        "model_parameters": model_parameters,
        "test": result.metrics.get("test", {}),
        "train_seconds": result.train_seconds,
        "samples_per_second": result.samples_per_second,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "budget": BUDGET_TEXT[dataset],
        "command": command,
        "hardware": describe(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def _built_fusion(config: DictConfig) -> torch.nn.Module:
    from polymodal.config import instantiate

    module: torch.nn.Module = instantiate(config.model.fusion, path="model.fusion")
    return module


def _metric_columns(dataset: str) -> list[tuple[str, str]]:
    if dataset == "easy_vqa":
        return [("accuracy", "test acc.")]
    if dataset == "sort_of_clevr":
        return [
            ("accuracy/kind/relational", "relational"),
            ("accuracy/kind/non-relational", "non-relational"),
            ("accuracy", "overall"),
        ]
    return [
        ("acc2_non0", "Acc-2 (non0)"),
        ("f1_non0", "F1 (non0)"),
        ("acc2_has0", "Acc-2 (has0)"),
        ("mae", "MAE"),
        ("corr", "Corr"),
    ]


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Fusion table: every fusion, same encoders, same budget",
        "",
        "Each row trains the dataset's shipped config with only the fusion (and the head's input",
        "width) replaced, for a small fixed budget, and reports the test split. The budgets are",
        "far below convergence: the table compares fusions at equal cost, it does not give each",
        "its best accuracy. `fusion params` counts the fusion module only; `CPU s` is the",
        "process's CPU time (one thread), which depends less than wall time on the load of the",
        "shared machine; samples/s is wall-clock, so compare it within a table only.",
    ]
    for dataset in BUDGETS:
        chosen = [r for r in rows if r["dataset"] == dataset]
        if not chosen:
            continue
        columns = _metric_columns(dataset)
        lines += ["", f"## {dataset}", "", f"Budget: {BUDGET_TEXT[dataset]}.", ""]
        header = ["fusion", "module", *[c[1] for c in columns]]
        header += ["fusion params", "model params", "train s", "CPU s", "samples/s"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in chosen:
            values = [row["fusion"], row["component"]]
            for key, _ in columns:
                value = row["test"].get(key)
                digits = 3 if key in ("mae", "corr") else 2
                values.append("n/a" if value is None else f"{value:.{digits}f}")
            values += [
                f"{row['fusion_parameters']:,}",
                f"{row['model_parameters']:,}" if row["model_parameters"] else "?",
                f"{row['train_seconds']:.0f}",
                f"{row['cpu_seconds']:.0f}",
                f"{row['samples_per_second']:.0f}",
            ]
            lines.append("| " + " | ".join(values) + " |")
    lines += ["", "Commands and hardware:", ""]
    seen = set()
    for row in rows:
        threads = row.get("omp_num_threads")
        prefix = f"OMP_NUM_THREADS={threads} " if threads else ""
        key = (row["command"], row["hardware"])
        if key not in seen:
            seen.add(key)
            lines.append(f"- `{prefix}{row['command']}` — {row['hardware']}")
    return "\n".join(lines) + "\n"


def _row_order(row: dict[str, Any]) -> tuple[int, int]:
    names = list(fusion_specs(row["dataset"]))
    position = names.index(row["fusion"]) if row["fusion"] in names else len(names)
    return list(BUDGETS).index(row["dataset"]), position


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    parser.add_argument("--fusions", nargs="+", default=None)
    parser.add_argument(
        "--table-only", action="store_true", help="rewrite the table from the stored results"
    )
    args = parser.parse_args()
    command = ("python benchmarks/fusion_table.py " + " ".join(sys.argv[1:])).strip()
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "fusion_table.json"
    rows: list[dict[str, Any]] = json.loads(store.read_text()) if store.is_file() else []
    for dataset in [] if args.table_only else args.datasets:
        specs = fusion_specs(dataset)
        unknown = sorted(set(args.fusions or []) - set(specs))
        fusions = [f for f in specs if args.fusions is None or f in args.fusions]
        if unknown:
            print(f"{dataset}: no fusion named {unknown} for this dataset (skipped)")
        for fusion in fusions:
            torch.manual_seed(0)
            row = run(dataset, fusion, command)
            print(f"{dataset} / {fusion}: {row['test']} in {row['train_seconds']:.0f} s")
            rows = [r for r in rows if (r["dataset"], r["fusion"]) != (dataset, fusion)] + [row]
            rows.sort(key=_row_order)
            store.write_text(json.dumps(rows, indent=1))
            (RESULTS / "fusion_table.md").write_text(table(rows))
    (RESULTS / "fusion_table.md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
