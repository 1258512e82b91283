"""Sort-of-CLEVR with distance-aware attention: does each layer's anchor find the named object?

    .venv/bin/python benchmarks/sort_of_clevr_anchors.py RUN_DIR [RUN_DIR ...]
        [--checkpoint best] [--split val] [--questions 2000] [--results NAME]

``AnchorDistanceBias`` measures distances from an anchor that a question word finds by
attention (an anchor head of its own, taught only through the distance slopes, which start at
zero, or the layer's own heads; with ``shared_anchor`` every layer uses the first layer's).
This rebuilds each run's model from its folder and checkpoint, runs the split's
questions, and for the colour word of every question asks where each layer's anchor lies:
within 4 pixels of the named object's centre, and on the object's side of the image's
centre line (both axes). A model whose anchors sit on the object can rank by distance from
it; one whose anchors wander cannot. For comparison it also gives the share of each
attention head's weight that the colour word puts on the cells its object covers (cells whose
centre lies within a cell's width of the object's centre). Writes
``benchmarks/results/<NAME>.md`` and ``.json`` with ``--results``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

from hardware import describe
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.data.synthetic.sort_of_clevr import IMAGE_SIZE
from polymodal.recipes import components
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import data_settings
from polymodal.training.checkpoint import checkpoint_path, load_training_state, load_weights
from results_file import write_results

NEAR_PIXELS = 4.0


def object_cells(centre: torch.Tensor, cells: int) -> torch.Tensor:
    """Indices of the cells of a square map (row-major) whose centre lies within one cell's
    width of ``centre`` (pixels) on both axes."""
    side = round(cells**0.5)
    width = IMAGE_SIZE / side
    middles = (torch.arange(side) + 0.5) * width
    near_x = (middles - centre[0]).abs() < width
    near_y = (middles - centre[1]).abs() < width
    return (near_y[:, None] & near_x[None, :]).flatten().nonzero().flatten()


def anchor_layers(model: torch.nn.Module) -> list[Any]:
    """The model's ``AnchorDistanceBias`` modules, in layer order."""
    layers = [layer.distance_bias for layer in getattr(model.fusion, "layers", [])]
    if not layers or any(bias is None for bias in layers):
        raise SystemExit("the run's fusion has no distance bias (model.fusion.distance_bias)")
    return layers


@torch.no_grad()
def analyse(run_dir: Path, checkpoint: str, split: str, questions: int) -> dict[str, Any]:
    run = RunDir(run_dir)
    config = run.load_config()
    transforms = components.build_transforms(config, run=run)
    task = components.build_task(config, run=run)
    model = components.build_model(config)
    folder = checkpoint_path(run.root, checkpoint)
    load_weights(model, folder)
    model.eval()
    model.fusion.return_attentions = True
    biases = anchor_layers(model)
    dataset = components.build_dataset(config, split)
    loader = components.make_loader(
        components.prepared(dataset, transforms, task), data_settings(config)
    )
    batch_transforms = components.build_batch_transforms(config)
    vocabulary = transforms["question"].vocab
    near = [0] * len(biases)
    same_side = [0] * len(biases)
    on_object: list[list[float]] = []  # per layer, per head: summed attention on the object
    seen = 0
    for batch in loader:
        batch = apply_batch_transforms(batch, batch_transforms)
        maps = [m for name, m in model(batch).fused.attentions.items() if "->" in name]
        anchors = [bias.last_anchors for bias in biases]  # each (B, N_q, 2) in [-1, 1]
        if not on_object:
            on_object = [[0.0] * m.shape[1] for m in maps]
        for row, sample_id in enumerate(batch["id"]):
            _, image, number = str(sample_id).split("/")
            scene = dataset.scenes[int(image)]
            question = scene["questions"][int(number)]
            (named,) = [o for o in scene["objects"] if o["color"] == question["color"]]
            word = batch["question"].values[row].tolist().index(vocabulary[question["color"]])
            centre = torch.tensor(named["center"], dtype=torch.float32)
            covered = object_cells(centre, maps[0].shape[-1])
            for layer, weights in enumerate(maps):  # (B, H, N_q, N_cells)
                for head, mass in enumerate(weights[row, :, word][:, covered].sum(-1).tolist()):
                    on_object[layer][head] += mass
            for layer, found in enumerate(anchors):
                place = (found[row, word] + 1) / 2 * IMAGE_SIZE  # pixels
                near[layer] += float((place - centre).norm()) <= NEAR_PIXELS
                half = IMAGE_SIZE / 2
                same_side[layer] += bool(((place < half) == (centre < half)).all())
            seen += 1
            if seen == questions:
                break
        if seen == questions:
            break
    return {
        "run": str(run_dir),
        "config": str(config.get("name")),
        "seed": int(config.get("seed", 0)),
        "checkpoint": checkpoint,
        "step": int(load_training_state(folder)["position"]["step"]),
        "questions": seen,
        "near": [100 * n / seen for n in near],
        "same_side": [100 * n / seen for n in same_side],
        "attention_on_object": [[100 * m / seen for m in heads] for heads in on_object],
    }


def markdown(results: list[dict[str, Any]], split: str, command: str) -> str:
    layers = len(results[0]["near"])
    header = " | ".join(
        f"layer {i + 1} within {NEAR_PIXELS:g} px | layer {i + 1} same quadrant"
        for i in range(layers)
    )
    lines = [
        "# Sort-of-CLEVR: where each layer's anchor lies, for the colour word",
        "",
        f"Command: `{command}`  ",
        f"Hardware: {describe()}",
        "",
        f"Split `{split}`; the first {results[0]['questions']} questions. % of colour words whose "
        "anchor lies within the distance of the named object's centre, and in the same "
        "quadrant of the image.",
        "",
        f"| run | step | {header} |",
        "|---|---|" + "---|" * (2 * layers),
    ]
    for result in results:
        cells = " | ".join(
            f"{near:.1f} | {side:.1f}"
            for near, side in zip(result["near"], result["same_side"], strict=True)
        )
        lines.append(
            f"| {Path(result['run']).name} (seed {result['seed']}) | {result['step']:,} | {cells} |"
        )
    lines += [
        "",
        "% of the colour word's attention on its object's cells, per layer and head:",
        "",
        "| run | "
        + " | ".join(
            f"layer {layer + 1}" for layer in range(len(results[0]["attention_on_object"]))
        )
        + " |",
        "|---|" + "---|" * len(results[0]["attention_on_object"]),
    ]
    for result in results:
        cells = " | ".join(
            " / ".join(f"{mass:.0f}" for mass in heads) for heads in result["attention_on_object"]
        )
        lines.append(f"| {Path(result['run']).name} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dirs", type=Path, nargs="+")
    parser.add_argument("--checkpoint", default="best")
    parser.add_argument("--split", default="val")
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--results", help="write benchmarks/results/<NAME>.md and .json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = [
        analyse(run_dir, args.checkpoint, args.split, args.questions) for run_dir in args.run_dirs
    ]
    command = (
        "python benchmarks/sort_of_clevr_anchors.py RUN_DIR ... "
        f"--checkpoint {args.checkpoint} --split {args.split} --questions {args.questions}"
    )
    if args.results:
        command += f" --results {args.results}"
    text = markdown(results, args.split, command)
    print(text)
    if args.results:
        write_results(args.results, text, results, indent=2)


if __name__ == "__main__":
    main()
