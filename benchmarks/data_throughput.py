"""Does the data loader keep up with the model? Images/s decoded by DataLoader workers (1 and
2) through the official-format dataset classes, against the images/s the default model
(``easy_vqa`` config: CNN + GRU, 32×32 inputs, batch 64) trains on.

    .venv/bin/python benchmarks/data_throughput.py [--images 512] [--steps 40]

Image folders are generated offline (synthetic CLEVR-style scenes): 64×64 PNG (the default
job's image size), 480×320 PNG in the CLEVR layout (read by ``CLEVR``) and 640×480 JPEG in the
COCO layout (read by ``coco_captions``). Writes ``benchmarks/results/data_throughput.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from hardware import describe
from polymodal.config import instantiate, load_config
from polymodal.data.batch import collate
from polymodal.data.datasets.clevr import CLEVR
from polymodal.data.datasets.coco_captions import coco_captions
from polymodal.data.datasets.easy_vqa import EasyVQA
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.data.synthetic.datasets import generate_scenes, write_clevr
from polymodal.data.synthetic.render import render_scene
from polymodal.recipes import components
from polymodal.training.optim import parameter_groups

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 64


def model_images_per_second(steps: int) -> tuple[float, int]:
    """Training steps/s × batch size of the default model, on batches already in memory."""
    config = load_config("easy_vqa", ["data.train.limit=4096"])
    train_set = EasyVQA("train", limit=4096)
    transforms = components.build_transforms(config, train_set)
    batch_transforms = components.build_batch_transforms(config)
    task = components.build_task(config, train_set)
    components.fill_meta(config, transforms, task)
    model = components.build_model(config)
    optimizer = instantiate(
        config.optimizer, path="optimizer", params=parameter_groups(model, 0.01)
    )
    prepared = components.prepared(train_set, transforms, task)
    batches = [
        collate([prepared[i] for i in range(start, start + BATCH)])
        for start in range(0, 8 * BATCH, BATCH)
    ]
    model.train()

    def step(index: int) -> None:
        batch = apply_batch_transforms(batches[index % len(batches)], batch_transforms)
        loss = task.loss(model(batch), batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for index in range(5):  # warm-up
        step(index)
    started = time.perf_counter()
    for index in range(steps):
        step(index)
    elapsed = time.perf_counter() - started
    parameters = sum(p.numel() for p in model.parameters())
    return steps * BATCH / elapsed, parameters


def write_coco_jpegs(root: Path, count: int) -> None:
    """A COCO-layout captions folder of 640×480 JPEGs (quality 90, like COCO's)."""
    folder = root / "val2014"
    folder.mkdir(parents=True)
    images, annotations = [], []
    for scene in generate_scenes(count, seed=1, split="val", width=640, height=480):
        index = scene["image_index"]
        name = f"COCO_val2014_{index:012d}.jpg"
        render_scene(scene, 640, 480).save(folder / name, quality=90)
        images.append({"id": index, "file_name": name, "width": 640, "height": 480})
        annotations.append({"image_id": index, "id": index, "caption": "a scene."})
    (root / "annotations").mkdir()
    captions = {"images": images, "annotations": annotations}
    (root / "annotations" / "captions_val2014.json").write_text(json.dumps(captions))


def loader_images_per_second(dataset: Dataset[dict[str, Any]], workers: int) -> float:
    """Images/s in steady state: from the first batch to the end of one pass."""
    loader = DataLoader(dataset, batch_size=BATCH, num_workers=workers, collate_fn=collate)
    iterator = iter(loader)
    first = next(iterator)
    count, started = 0, time.perf_counter()
    for batch in iterator:
        count += batch.size
    elapsed = time.perf_counter() - started
    del first
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=512, help="images per folder")
    parser.add_argument("--steps", type=int, default=40, help="timed training steps")
    args = parser.parse_args()

    # The model is timed with 1 thread and with torch's default; the faster is the bar the
    # loader must clear (on a busy machine extra intra-op threads can slow it down a lot).
    threads = torch.get_num_threads()
    by_threads = {}
    for count in sorted({1, threads}):
        torch.set_num_threads(count)
        by_threads[count], parameters = model_images_per_second(args.steps)
    torch.set_num_threads(threads)
    consumed = max(by_threads.values())
    timings = ", ".join(f"{v:.0f} with {k} thread(s)" for k, v in by_threads.items())
    print(f"default model trains on {timings} ({parameters:,} parameters)")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        write_clevr(root / "small", "val", args.images, 1, width=64, height=64)
        write_clevr(root / "clevr", "val", args.images // 2, 1)
        write_coco_jpegs(root / "coco", args.images // 2)
        folders: list[tuple[str, Callable[[], Dataset[dict[str, Any]]]]] = [
            ("64×64 PNG (CLEVR)", lambda: CLEVR("val", root=root / "small")),
            ("480×320 PNG (CLEVR)", lambda: CLEVR("val", root=root / "clevr")),
            ("640×480 JPEG (COCO)", lambda: coco_captions("val", root=root / "coco", unit="image")),
        ]
        for name, build in folders:
            dataset = build()
            # Best of two passes: other processes on a shared machine add noise, never speed.
            speeds = [
                max(loader_images_per_second(dataset, workers) for _ in range(2))
                for workers in (1, 2)
            ]
            rows.append((name, len(dataset), *speeds))
            print(f"{name}: {speeds[0]:.0f} images/s with 1 worker, {speeds[1]:.0f} with 2")

    command = "python benchmarks/data_throughput.py " + " ".join(sys.argv[1:])
    lines = [
        "# Data loading throughput vs the default model",
        "",
        f"Command: `{command.strip()}`  ",
        f"Hardware: {describe()}",
        "",
        f"The default model (`easy_vqa` config, {parameters:,} parameters, batch {BATCH}, "
        f"32×32 inputs) trains on **{consumed:.0f} images/s** (forward, backward and "
        f"optimizer step on batches already in memory; {timings}).",
        "",
        "Images decoded per second by DataLoader workers, each pass through the dataset class "
        f"(decode to (3, H, W) uint8, collate into batches of {BATCH}), steady state after the "
        "first batch:",
        "",
        "| images | samples | 1 worker | 2 workers | 2 workers ÷ model |",
        "|---|---|---|---|---|",
    ]
    for name, count, one, two in rows:
        lines.append(f"| {name} | {count} | {one:.0f} | {two:.0f} | {two / consumed:.1f}× |")
    lines += [
        "",
        "The loader and the model share the machine's cores during training, so these are "
        "upper bounds for both; the ratio says whether image decoding can be the bottleneck.",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "data_throughput.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS / 'data_throughput.md'}")


if __name__ == "__main__":
    main()
