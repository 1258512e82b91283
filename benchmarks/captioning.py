"""Captioning on the offline scene captions: trains a shipped captioning config, records when
the held-out validation CIDEr-D first reaches the target, then scores the final model on the
held-out test scenes with each decoding strategy, and greedy decoding with and without the
key/value cache (same captions, different speed).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/captioning.py \
        [--config scene_captions] [--seed 0] [--target 1.5] [override ...]

Writes ``benchmarks/results/captioning.md`` and ``.json`` (rows keyed by config, seed and
overrides, so configs can be run one at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hardware import describe
from polymodal.config import load_config
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.generation import BeamSearch, DecodingStrategy, GreedySearch, NucleusSampling
from polymodal.heads.text_decoder import TextDecoder
from polymodal.recipes import components
from polymodal.recipes.evaluate import evaluate
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import data_settings
from polymodal.recipes.train import TrainResult, train
from polymodal.tasks.captioning import CaptioningTask
from polymodal.training.checkpoint import checkpoint_path, load_weights

RESULTS = Path(__file__).resolve().parent / "results"
SCORES = ("bleu_4", "meteor", "rouge_l", "cider_d")


@dataclass
class _Prefix:
    """The no-cache decoder's state: the memory and every token fed so far."""

    memory: torch.Tensor
    memory_mask: torch.Tensor | None
    ids: torch.Tensor

    def select(self, rows: torch.Tensor) -> _Prefix:
        mask = None if self.memory_mask is None else self.memory_mask[rows]
        return _Prefix(self.memory[rows], mask, self.ids[rows])


class FullRecompute:
    """The same decoder without the cache: every step runs it over the whole prefix."""

    def __init__(self, decoder: TextDecoder) -> None:
        self.decoder = decoder
        self.max_length = decoder.max_length

    def start(self, memory: torch.Tensor, memory_mask: torch.Tensor | None = None) -> _Prefix:
        empty = torch.empty(memory.shape[0], 0, dtype=torch.long, device=memory.device)
        return _Prefix(memory, memory_mask, empty)

    def step(self, input_ids: torch.Tensor, state: _Prefix) -> tuple[torch.Tensor, _Prefix]:
        ids = torch.cat([state.ids, input_ids], dim=1)
        logits = self.decoder(ids, state.memory, state.memory_mask)[:, -input_ids.shape[1] :]
        return logits, _Prefix(state.memory, state.memory_mask, ids)


def _watch(metrics_file: Path, stop: threading.Event, seen: list[dict[str, Any]]) -> None:
    """Notes the wall-clock time at which each validation row appears in the metrics log."""
    started, count = time.perf_counter(), 0
    while not stop.is_set():
        if metrics_file.is_file():
            rows = [json.loads(line) for line in metrics_file.read_text().splitlines() if line]
            for row in [r for r in rows if r.get("split") == "val"][count:]:
                seen.append({**row, "wall_seconds": time.perf_counter() - started})
                count += 1
        time.sleep(0.5)


def _train_watched(config: Any) -> tuple[TrainResult, list[dict[str, Any]], float]:
    seen: list[dict[str, Any]] = []
    stop = threading.Event()
    metrics_file = Path(str(config.output_dir)) / str(config.name) / "metrics.jsonl"
    watcher = threading.Thread(target=_watch, args=(metrics_file, stop, seen), daemon=True)
    started = time.perf_counter()
    watcher.start()
    try:
        result = train(config)
    finally:
        time.sleep(1.0)  # let the watcher see the last row
        stop.set()
        watcher.join()
    return result, seen, time.perf_counter() - started


def _decode_all(run_dir: Path, split: str) -> list[dict[str, Any]]:
    """Scores of the best checkpoint on ``split`` with each decoding strategy."""
    run = RunDir(run_dir)
    config = run.load_config()
    device = torch.device("cpu")
    task = components.build_task(config, run=run)
    assert isinstance(task, CaptioningTask)
    model = components.build_model(config)
    load_weights(model, checkpoint_path(run.root, "best"))
    model.eval()
    transforms = components.build_transforms(config, run=run)
    dataset = components.prepared(components.build_dataset(config, split), transforms, task)
    loader = components.make_loader(dataset, data_settings(config))
    batch_transforms = components.build_batch_transforms(config)
    length = int(task.decoding.max_length)
    strategies: list[tuple[str, DecodingStrategy]] = [
        ("greedy", GreedySearch(max_length=length)),
        ("beam 3", BeamSearch(beam_size=3, max_length=length)),
        ("beam 3, α=0.6", BeamSearch(beam_size=3, max_length=length, alpha=0.6)),
        ("beam 5", BeamSearch(beam_size=5, max_length=length)),
        ("nucleus p=0.9", NucleusSampling(top_p=0.9, max_length=length, seed=0)),
    ]
    rows = []
    for name, strategy in strategies:
        task.decoding = strategy
        started = time.perf_counter()
        result = evaluate(model, task, loader, device, batch_transforms)
        seconds = time.perf_counter() - started
        rows.append({"decoding": name, "seconds": seconds, "images": len(result.records)})
        rows[-1].update({k: result.metrics[k] for k in SCORES if k in result.metrics})
        print(f"  {name}: cider_d {result.metrics['cider_d']:.3f}, {seconds:.1f} s")

    # Greedy with and without the cache, on the decoder alone (same image tokens).
    decoder = model.decoder
    images = [batch for _, batch in zip(range(4), loader, strict=False)]
    memories = []
    with torch.no_grad():
        for batch in images:
            encoded = model.encode_images(apply_batch_transforms(batch, batch_transforms))
            memories.append((encoded.tokens, encoded.mask))
    greedy = GreedySearch(max_length=length)
    timings: dict[str, float] = {}
    outputs: dict[str, list[list[int]]] = {}
    for name, candidate in (("cached", decoder), ("no cache", FullRecompute(decoder))):
        started = time.perf_counter()
        tokens = []
        for memory, mask in memories:
            tokens += [g[0].tokens for g in greedy(candidate, memory, mask, 2, 3)]
        timings[name] = time.perf_counter() - started
        outputs[name] = tokens
    same = outputs["cached"] == outputs["no cache"]
    cache = {
        "images": len(outputs["cached"]),
        "cached_seconds": timings["cached"],
        "no_cache_seconds": timings["no cache"],
        "speedup": timings["no cache"] / timings["cached"],
        "identical_captions": same,
    }
    print(f"  greedy: cache {timings['cached']:.1f} s, no cache {timings['no cache']:.1f} s")
    return [*rows, {"decoding": "cache check", **cache}]


def run(name: str, seed: int, target: float, overrides: list[str], command: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as output:
        config = load_config(name, [*overrides, f"seed={seed}", f"output_dir={output}"])
        result, validations, wall = _train_watched(config)
        reached = next((row for row in validations if row.get("cider_d", 0.0) >= target), None)
        print(f"{name}: trained in {wall:.0f} s wall; decoding the test split")
        decodings = _decode_all(result.run_dir, "test")
    return {
        "config": name,
        "seed": seed,
        "overrides": overrides,
        "target_cider_d": target,
        "epochs": int(config.training.epochs),
        "train_images": int(config.data.train.num_images),
        "test": result.metrics["test"],
        "val": result.metrics["val"],
        "validations": [
            {k: row[k] for k in ("step", "epoch", "wall_seconds", *SCORES) if k in row}
            for row in validations
        ],
        "reached": (
            None
            if reached is None
            else {k: reached[k] for k in ("step", "epoch", "wall_seconds", "cider_d")}
        ),
        "train_seconds": result.train_seconds,
        "wall_seconds": wall,
        "samples_per_second": result.samples_per_second,
        "decodings": decodings,
        "command": command,
        "hardware": describe(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def _scores(row: dict[str, Any]) -> str:
    return " | ".join(f"{row[k]:.3f}" if k in row else "—" for k in SCORES)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Captioning on the offline scene captions",
        "",
        "Trained from scratch on generated scenes; validated and tested on other scenes (the",
        "`val` and `test` splits are drawn from other seeds than `train`). Scores are ×1 (CIDEr-D",
        "1.5 = 150 in paper units), computed by `polymodal.metrics.captioning` (equal to",
        "pycocoevalcap's). *Time to target* is wall-clock time from the start of the run until",
        "the validation row that first reached the target was written: data generation,",
        "training and every evaluation so far included. The machine is shared with other",
        "jobs, so times vary with its load; compare ratios measured in the same run.",
        "",
    ]
    for row in rows:
        overrides = f" ({' '.join(row['overrides'])})" if row["overrides"] else ""
        reached = row["reached"]
        when = (
            f"{reached['wall_seconds']:.0f} s (epoch {reached['epoch'] + 1}, step "
            f"{reached['step']}, val CIDEr-D {reached['cider_d']:.3f})"
            if reached
            else "not reached"
        )
        lines += [
            f"## {row['config']}{overrides}, seed {row['seed']}",
            "",
            f"- time to val CIDEr-D ≥ {row['target_cider_d']}: **{when}**",
            f"- whole run: {row['wall_seconds']:.0f} s wall, of which {row['train_seconds']:.0f} s"
            f" training steps ({row['samples_per_second']:.0f} captions/s), {row['epochs']}"
            f" epochs over {row['train_images']:,} images",
            f"- test (best checkpoint by val CIDEr-D, the config's decoding): CIDEr-D "
            f"**{row['test']['cider_d']:.3f}**, BLEU-4 {row['test']['bleu_4']:.3f}, "
            f"METEOR {row['test'].get('meteor', float('nan')):.3f}, "
            f"ROUGE-L {row['test']['rouge_l']:.3f}",
            "",
            "Validation after each epoch:",
            "",
            "| epoch | step | wall (s) | BLEU-4 | METEOR | ROUGE-L | CIDEr-D |",
            "|---|---|---|---|---|---|---|",
        ]
        for val in row["validations"]:
            lines.append(
                f"| {val['epoch'] + 1} | {val['step']} | {val['wall_seconds']:.0f} | "
                f"{_scores(val)} |"
            )
        lines += [
            "",
            "Test split, best checkpoint, each decoding strategy (time: decoding and scoring "
            "the whole split, one thread):",
            "",
            "| decoding | images | BLEU-4 | METEOR | ROUGE-L | CIDEr-D | time (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        cache = None
        for decoding in row["decodings"]:
            if decoding["decoding"] == "cache check":
                cache = decoding
                continue
            lines.append(
                f"| {decoding['decoding']} | {decoding['images']} | {_scores(decoding)} | "
                f"{decoding['seconds']:.1f} |"
            )
        if cache is not None:
            lines += [
                "",
                f"Greedy decoding of {cache['images']} test images with the key/value cache: "
                f"{cache['cached_seconds']:.2f} s; recomputing the whole prefix each step: "
                f"{cache['no_cache_seconds']:.2f} s (**{cache['speedup']:.1f}×** slower); "
                f"identical captions: {cache['identical_captions']}.",
            ]
        threads = row.get("omp_num_threads")
        prefix = f"OMP_NUM_THREADS={threads} " if threads else ""
        lines += ["", f"Command: `{prefix}{row['command']}`  ", f"Hardware: {row['hardware']}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="scene_captions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=1.5, help="val CIDEr-D (×1) to reach")
    parser.add_argument("overrides", nargs="*", help="config overrides, key=value")
    args = parser.parse_args()
    command = ".venv/bin/python benchmarks/captioning.py " + " ".join(sys.argv[1:])

    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "captioning.json"
    rows: list[dict[str, Any]] = json.loads(store.read_text()) if store.is_file() else []
    torch.manual_seed(args.seed)
    row = run(args.config, args.seed, args.target, list(args.overrides), command.strip())
    key = (args.config, args.seed, list(args.overrides))
    rows = [r for r in rows if (r["config"], r["seed"], r["overrides"]) != key] + [row]
    store.write_text(json.dumps(rows, indent=1))
    (RESULTS / "captioning.md").write_text(table(rows))
    print(table(rows))


if __name__ == "__main__":
    main()
