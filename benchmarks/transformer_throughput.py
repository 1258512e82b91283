"""Training-step speed of our single-stream (ViLT-style) model against ``transformers.ViltModel``.

Both models are built at the same configuration and hold the same weights (ours are copied
from the Hugging Face model, and the script first checks that both compute the same logits).
Ours is timed twice: as a classifier builds it (``return_tokens=False``: the last layer
computes only the pooled first token, which still attends to every token — same logits), and
computing every token of the last layer, as ``ViltModel`` does. Each timed step is forward +
backward of a classification loss on one batch; the models take turns within one run, so
machine load affects all alike, and the medians are compared. Achieved FLOP/s (counted with
``torch.utils.flop_counter`` on our steps) is reported as a fraction of this machine's fp32
matmul peak, measured in the same run.

    .venv/bin/python benchmarks/transformer_throughput.py [--layers 4 --width 256 --heads 8
        --image-size 32 --patch-size 4 --text-length 16 --batch 32 --repeats 7 --threads N]

Writes ``benchmarks/results/transformer_throughput[_threadsN].md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from transformers import ViltConfig, ViltModel

from hardware import describe
from polymodal.data.batch import Padded
from polymodal.encoders import BertTextEncoder, ViTEncoder
from polymodal.encoders._convert_weights import VIT, map_name
from polymodal.fusion import SingleStreamFusion
from polymodal.heads import MLPHead
from polymodal.models import MultimodalModel

RESULTS = Path(__file__).resolve().parent / "results"
NUM_CLASSES = 10


def matmul_peak(size: int = 2048, repeats: int = 10) -> float:
    """Best fp32 GFLOP/s of a (size × size) @ (size × size) product over ``repeats`` tries."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm-up: thread pool, allocator
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def build_hf(args: argparse.Namespace) -> ViltModel:
    config = ViltConfig(
        hidden_size=args.width,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=4 * args.width,
        image_size=args.image_size,
        patch_size=args.patch_size,
        max_position_embeddings=max(40, args.text_length),
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_image_length=-1,  # keep every patch (no sampling), as ours does
    )
    return ViltModel(config)


def build_ours(
    args: argparse.Namespace, vocab_size: int, max_length: int, return_tokens: bool
) -> MultimodalModel:
    text = BertTextEncoder(
        vocab_size=vocab_size,
        dim=args.width,
        num_layers=0,  # ViLT: embeddings only; the layers are the fusion's
        max_length=max_length,
        dropout=0.0,
        attention_dropout=0.0,
        pooler=False,
        pooling="cls",
    )
    image = ViTEncoder(
        image_size=args.image_size,
        patch_size=args.patch_size,
        dim=args.width,
        num_layers=0,
        final_norm=False,
    )
    fusion = SingleStreamFusion(
        {"text": args.width, "image": args.width},
        dim=args.width,
        num_layers=args.layers,
        num_heads=args.heads,
        ffn_dim=4 * args.width,
        dropout=0.0,
        norm_first=True,
        layer_norm_eps=1e-12,
        pooling="first",
        return_tokens=return_tokens,
    )
    head = MLPHead(args.width, NUM_CLASSES)
    return MultimodalModel({"text": text, "image": image}, fusion, {"answer": head})


def vilt_name(name: str) -> str:
    """Our parameter name for a ``ViltModel`` parameter (for the equivalence check)."""
    embeddings = {
        "embeddings.text_embeddings.word_embeddings.weight": "encoders.text.embeddings.word.weight",
        "embeddings.text_embeddings.position_embeddings.weight": (
            "encoders.text.embeddings.position.weight"
        ),
        "embeddings.text_embeddings.token_type_embeddings.weight": (
            "encoders.text.embeddings.token_type.weight"
        ),
        "embeddings.text_embeddings.LayerNorm.weight": "encoders.text.embeddings.norm.weight",
        "embeddings.text_embeddings.LayerNorm.bias": "encoders.text.embeddings.norm.bias",
        "embeddings.token_type_embeddings.weight": "fusion.modality_types.weight",
    }
    if name in embeddings:
        return embeddings[name]
    if name.startswith("embeddings."):  # CLS, positions, patches: laid out as ViT's
        mapped = map_name(name, VIT)
        assert mapped is not None, name
        return f"encoders.image.{mapped}"
    mapped = map_name(name, VIT)  # encoder layers, final LayerNorm, pooler: as ViT's
    assert mapped is not None, name
    return f"fusion.{mapped}"


def copy_weights(hf: ViltModel, ours: MultimodalModel) -> None:
    state = {vilt_name(name): tensor for name, tensor in hf.state_dict().items()}
    missing, unexpected = ours.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(name.startswith("heads.") for name in missing), missing


def make_batch(args: argparse.Namespace, vocab_size: int) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1, vocab_size, (args.batch, args.text_length), generator=generator)
    lengths = torch.randint(args.text_length // 2, args.text_length + 1, (args.batch,))
    mask = torch.arange(args.text_length)[None, :] < lengths[:, None]
    ids = ids.masked_fill(~mask, 0)
    image = torch.randn(args.batch, 3, args.image_size, args.image_size, generator=generator)
    labels = torch.randint(0, NUM_CLASSES, (args.batch,), generator=generator)
    return {"ids": ids, "mask": mask, "image": image, "labels": labels}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--patch-size", type=int, default=4)
    parser.add_argument("--text-length", type=int, default=16)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: its own)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    hf = build_hf(args).train()
    vocab_size = hf.config.vocab_size
    variants = {
        "ours": build_ours(args, vocab_size, hf.config.max_position_embeddings, False),
        "ours_all_tokens": build_ours(args, vocab_size, hf.config.max_position_embeddings, True),
    }
    copy_weights(hf, variants["ours"].train())
    variants["ours_all_tokens"].train().load_state_dict(variants["ours"].state_dict())
    hf_head = nn.Linear(args.width, NUM_CLASSES)
    hf_head.load_state_dict(variants["ours"].heads["answer"].mlp[-1].state_dict())
    batch = make_batch(args, vocab_size)
    pixel_mask = torch.ones(args.batch, args.image_size, args.image_size, dtype=torch.long)

    def ours_logits(model: MultimodalModel) -> Callable[[], torch.Tensor]:
        def logits() -> torch.Tensor:
            inputs = {"text": Padded(batch["ids"], batch["mask"]), "image": batch["image"]}
            return model(inputs).logits["answer"]

        return logits

    def hf_logits() -> torch.Tensor:
        output = hf(
            input_ids=batch["ids"],
            attention_mask=batch["mask"].long(),
            pixel_values=batch["image"],
            pixel_mask=pixel_mask,
        )
        return hf_head(output.pooler_output)

    logits = {name: ours_logits(model) for name, model in variants.items()}
    logits["hf"] = hf_logits
    with torch.no_grad():
        reference = hf_logits()
        difference = max((logits[name]() - reference).abs().max().item() for name in variants)
    print(f"same function: max |logits ours − HF| = {difference:.2e}")

    def step(logits: Callable[[], torch.Tensor], model: nn.Module) -> Callable[[], None]:
        def run() -> None:
            model.zero_grad(set_to_none=True)
            F.cross_entropy(logits(), batch["labels"]).backward()

        return run

    models: dict[str, nn.Module] = {**variants, "hf": hf}
    runs = {name: step(logits[name], model) for name, model in models.items()}
    hf_head.requires_grad_(True)
    for _ in range(args.warmup):
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for repeat in range(args.repeats):
        # Rotate which goes first, so none always follows another's cache state.
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - started)

    flops = {}
    for name in variants:
        with FlopCounterMode(display=False) as counter:
            runs[name]()
        flops[name] = counter.get_total_flops()
    peak = matmul_peak()
    median = {name: statistics.median(values) for name, values in times.items()}
    speedup = {name: median["hf"] / median[name] for name in variants}
    achieved = {name: flops[name] / median[name] / 1e9 for name in variants}
    tokens = args.text_length + (args.image_size // args.patch_size) ** 2 + 1

    command = "python benchmarks/transformer_throughput.py " + " ".join(sys.argv[1:])
    labels = {
        "ours": "polymodal SingleStreamFusion (`return_tokens=False`)",
        "ours_all_tokens": "polymodal SingleStreamFusion (every token)",
        "hf": "transformers ViltModel",
    }
    lines = [
        "# Transformer throughput: our single-stream model vs transformers.ViltModel",
        "",
        f"Command: `{command.strip()}`  ",
        f"Hardware: {describe()}",
        "",
        f"Configuration: {args.layers} layers, width {args.width}, {args.heads} heads, FFN "
        f"{4 * args.width}, {(args.image_size // args.patch_size) ** 2} image patches + CLS + "
        f"{args.text_length} text tokens ({tokens} in all), batch {args.batch}, fp32, dropout 0, "
        f"train mode; one step = forward + backward of a cross-entropy loss on a linear head "
        f"over the pooled output. Same weights in all three; max |logits ours − HF| = "
        f"{difference:.1e}. `return_tokens=False` computes the last layer for the pooled "
        "(first) token only, which still attends to all tokens: the same logits, without the "
        "last layer's outputs for tokens nothing reads.",
        "",
        "| model | median step (ms) | min (ms) | max (ms) | samples/s | speed-up vs HF | "
        "GFLOP/step | % of matmul peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in runs:
        values = times[name]
        extra = (
            f"{speedup[name]:.2f}× | {flops[name] / 1e9:.2f} | {achieved[name] / peak:.0%}"
            if name in variants
            else "1.00× | | "
        )
        lines.append(
            f"| {labels[name]} | {median[name] * 1e3:.1f} | {min(values) * 1e3:.1f} | "
            f"{max(values) * 1e3:.1f} | {args.batch / median[name]:.0f} | {extra} |"
        )
    lines += [
        "",
        f"**Speed-up (HF median / ours median): {speedup['ours']:.2f}×** "
        f"({speedup['ours_all_tokens']:.2f}× computing every token) over {args.repeats} "
        "rotating repeats.",
        "",
        f"FLOPs counted with torch.utils.flop_counter on our steps; fp32 matmul peak measured "
        f"in this run (2048³ torch.matmul, best of 10): {peak:.1f} GFLOP/s. Ours achieves "
        f"{achieved['ours']:.1f} GFLOP/s (**{achieved['ours'] / peak:.0%} of peak**).",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        suffix = "" if args.threads is None else f"_threads{args.threads}"
        (RESULTS / f"transformer_throughput{suffix}.md").write_text(table)
        record = {
            "command": command,
            "hardware": describe(),
            "arguments": vars(args),
            "times_s": times,
            "median_s": median,
            "speedup": speedup,
            "gflop_per_step": {name: value / 1e9 for name, value in flops.items()},
            "achieved_gflops": achieved,
            "matmul_peak_gflops": peak,
            "max_abs_logit_difference": difference,
        }
        (RESULTS / f"transformer_throughput{suffix}.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
