"""Speed and agreement of polymodal's caption metrics against pycocoevalcap, in one run.

Scores synthetic COCO-style captions (N images × 5 references, one generated caption each)
with polymodal's BLEU-1..4, ROUGE-L and CIDEr-D (pure Python, tokenisation included) and with
pycocoevalcap's PTBTokenizer (Java) + Bleu + Rouge + Cider, checks that every score agrees,
prints a Markdown table and writes it to benchmarks/results/caption_metrics.md.

    python benchmarks/caption_metrics.py [--images 5000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hardware import describe


def _phrases(text: str) -> list[str]:
    return text.split("|")


SUBJECTS = _phrases(
    "a man|a woman|a young boy|a little girl|two people|a group of people|a dog|a cat|"
    "a brown horse|a large elephant|a giraffe|a zebra|a bird|a white plate|a red bus|a train|"
    "a person|three children|an old man|a baseball player|a tennis player|a surfer"
)
VERBS = _phrases(
    "is sitting on|is standing next to|is riding|is holding|is eating|is walking down|"
    "is playing with|is looking at|are sitting at|are standing in|is flying over|is parked on|"
    "is laying on|is jumping over|is covered with|is carrying"
)
OBJECTS = _phrases(
    "a bench|a wooden table|a skateboard|a surfboard|a kite|a frisbee|a slice of pizza|"
    "a busy street|the beach|a grassy field|a snowy hill|a kitchen counter|a large window|"
    "a tennis racket|a cell phone|a bowl of fruit|the water|a city sidewalk|a white toilet"
)
PLACES = _phrases(
    "|in a park|near the ocean|on a sunny day|in front of a building|next to a fence|"
    "at night|in the snow|on top of a hill|with trees in the background|in a small room"
)
ENDINGS = (".", "", " .", ".", "!")


def caption(rng: random.Random) -> str:
    """One COCO-like caption: subject, verb, object, optional place and punctuation."""
    text = " ".join(
        part
        for part in (
            rng.choice(SUBJECTS),
            rng.choice(VERBS),
            rng.choice(OBJECTS),
            rng.choice(PLACES),
        )
        if part
    )
    if rng.random() < 0.15:
        text = text.replace(" a ", " a small ", 1)
    if rng.random() < 0.1:
        text += ", it's " + rng.choice(("raining", "sunny", "crowded", "late"))
    text += rng.choice(ENDINGS)
    return text[0].upper() + text[1:] if rng.random() < 0.8 else text


def make_dataset(images: int, seed: int = 0) -> tuple[dict[int, str], dict[int, list[str]]]:
    rng = random.Random(seed)
    references = {image: [caption(rng) for _ in range(5)] for image in range(images)}
    hypotheses = {image: caption(rng) for image in range(images)}
    return hypotheses, references


Stages = dict[str, float]


def ours(
    hypotheses: dict[int, str], references: dict[int, list[str]]
) -> tuple[Stages, dict[str, float]]:
    """polymodal's scores and the seconds each stage took."""
    from polymodal.metrics.captioning import bleu, cider_d, rouge_l_scores, tokenize_captions
    from polymodal.metrics.captioning.ngrams import CaptionNGrams

    times: Stages = {}
    start = time.perf_counter()
    keys = list(references)
    flat = tokenize_captions([caption for key in keys for caption in references[key]])
    tokenized_hypotheses = tokenize_captions([hypotheses[key] for key in keys])
    tokenized_references, offset = [], 0
    for key in keys:
        tokenized_references.append(flat[offset : offset + len(references[key])])
        offset += len(references[key])
    times["tokenize"] = time.perf_counter() - start

    start = time.perf_counter()
    hypothesis_words = [caption.split() for caption in tokenized_hypotheses]
    reference_words = [[caption.split() for caption in image] for image in tokenized_references]
    ngrams = CaptionNGrams.build(hypothesis_words, reference_words)
    result = bleu(hypothesis_words, reference_words, ngrams=ngrams)
    scores = {f"bleu_{k + 1}": value for k, value in enumerate(result.corpus)}
    times["BLEU-1..4"] = time.perf_counter() - start
    start = time.perf_counter()
    rouge = rouge_l_scores(tokenized_hypotheses, tokenized_references)
    scores["rouge_l"] = sum(rouge) / len(rouge)
    times["ROUGE-L"] = time.perf_counter() - start
    start = time.perf_counter()
    # CIDEr-D reuses BLEU's n-gram table; building it is counted under BLEU.
    scores["cider_d"] = cider_d(hypothesis_words, reference_words, ngrams=ngrams)[0]
    times["CIDEr-D"] = time.perf_counter() - start
    return times, scores


def reference(
    hypotheses: dict[int, str], references: dict[int, list[str]]
) -> tuple[Stages, dict[str, float]]:
    """pycocoevalcap's scores and the seconds each stage took."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    times: Stages = {}
    start = time.perf_counter()
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({k: [{"caption": c} for c in v] for k, v in references.items()})
    res = tokenizer.tokenize({k: [{"caption": v}] for k, v in hypotheses.items()})
    times["tokenize"] = time.perf_counter() - start
    start = time.perf_counter()
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    scores = {f"bleu_{k + 1}": float(value) for k, value in enumerate(bleu)}
    times["BLEU-1..4"] = time.perf_counter() - start
    start = time.perf_counter()
    scores["rouge_l"] = float(Rouge().compute_score(gts, res)[0])
    times["ROUGE-L"] = time.perf_counter() - start
    start = time.perf_counter()
    scores["cider_d"] = float(Cider().compute_score(gts, res)[0])
    times["CIDEr-D"] = time.perf_counter() - start
    return times, scores


def fastest(
    function: Callable[[], tuple[Stages, dict[str, float]]], repeats: int
) -> tuple[Stages, dict[str, float]]:
    """The run with the smallest total time."""
    runs = [function() for _ in range(repeats)]
    return min(runs, key=lambda run: sum(run[0].values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per side; the best is kept")
    parser.add_argument(
        "--output", default=str(Path(__file__).parent / "results" / "caption_metrics.md")
    )
    args = parser.parse_args(argv)
    # Silence the reference's progress lines (it prints from Java and Python).
    hypotheses, references = make_dataset(args.images)
    with open(os.devnull, "w") as devnull:
        saved = sys.stdout
        sys.stdout = devnull
        try:
            reference_times, reference_scores = fastest(
                lambda: reference(hypotheses, references), args.repeats
            )
        finally:
            sys.stdout = saved
    our_times, our_scores = fastest(lambda: ours(hypotheses, references), args.repeats)
    largest_difference = max(abs(our_scores[k] - reference_scores[k]) for k in reference_scores)
    arguments = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python benchmarks/caption_metrics.py", *map(shlex.quote, arguments)])
    rows = [
        "| metric | polymodal | pycocoevalcap | difference |",
        "|---|---|---|---|",
        *(
            f"| {name} | {our_scores[name]:.9f} | {reference_scores[name]:.9f} | "
            f"{abs(our_scores[name] - reference_scores[name]):.1e} |"
            for name in reference_scores
        ),
    ]
    our_total, reference_total = sum(our_times.values()), sum(reference_times.values())
    timing = [
        f"| stage (s, fastest of {args.repeats} runs) | pycocoevalcap | polymodal | speed-up |",
        "|---|---|---|---|",
        *(
            f"| {stage} | {reference_times[stage]:.2f} | {our_times[stage]:.2f} | "
            f"{reference_times[stage] / our_times[stage]:.1f}× |"
            for stage in reference_times
        ),
        f"| **total** | **{reference_total:.2f}** | **{our_total:.2f}** | "
        f"**{reference_total / our_total:.1f}×** |",
    ]
    report = "\n".join(
        [
            "# Caption metrics: polymodal vs pycocoevalcap",
            "",
            f"{args.images:,} images × 5 references, one generated caption per image "
            "(synthetic COCO-style captions, seed 0); tokenisation included on both sides; "
            "both measured in the same run.",
            "",
            *timing,
            "",
            *rows,
            "",
            f"Largest difference: {largest_difference:.1e}.",
            "",
            f"Hardware: {describe()}.",
            "",
            f"Command: `{command}`",
            "",
        ]
    )
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    return 0 if largest_difference <= 1e-6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
