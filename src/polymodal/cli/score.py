"""``polymodal score {captions,vqa,sentiment,retrieval}``: score result files offline.

Each prints a table of metrics, or with ``--json`` one JSON object
``{"task": ..., "metrics": {...}, ...}``. Bad files stop with one line naming the file and
field (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score result files (captions, VQA, sentiment, retrieval)",
        description="Score a model's result file against the reference annotations with "
        "polymodal's metrics, which agree with the field's reference implementations "
        "(pycocoevalcap, the official VQA evaluation, MMSA's sentiment conventions).",
    )
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)

    captions = tasks.add_parser(
        "captions",
        help="BLEU-1..4, METEOR, ROUGE-L, CIDEr-D (and SPICE) of COCO-format captions",
        description="Score COCO-format caption results like pycocoevalcap's COCOEvalCap: the "
        "images that have a result are scored.",
    )
    captions.add_argument("--results", required=True, help='JSON list of {"image_id", "caption"}')
    captions.add_argument("--annotations", required=True, help="COCO captions annotation JSON")
    captions.add_argument(
        "--metrics",
        default="bleu,meteor,rouge_l,cider_d",
        help="comma-separated: bleu, meteor, rouge_l, cider_d, spice (default: all but spice)",
    )
    captions.add_argument(
        "--tokenizer",
        choices=("ptb", "ptb-java"),
        default="ptb",
        help="ptb: pure Python (default); ptb-java: pycocoevalcap's Java tokenizer",
    )
    captions.set_defaults(run=_score_captions)

    vqa = tasks.add_parser(
        "vqa",
        help="official VQA accuracy (overall, per answer type, per question type)",
        description="Score VQA results with the official evaluation's normalisation and "
        "leave-one-out accuracy; the official rounded figures are included.",
    )
    vqa.add_argument("--results", required=True, help='JSON list of {"question_id", "answer"}')
    vqa.add_argument("--questions", required=True, help="official VQA questions JSON")
    vqa.add_argument("--annotations", required=True, help="official VQA annotations JSON")
    vqa.add_argument(
        "--per-question-type", action="store_true", help="also print each question type"
    )
    vqa.set_defaults(run=_score_vqa)

    sentiment = tasks.add_parser(
        "sentiment",
        help="CMU-MOSI / MOSEI metrics (acc2_has0, acc2_non0, acc5, acc7, MAE, corr) or IEMOCAP",
        description='Results: [{"prediction", "label"}, ...] or {"predictions": [...], '
        '"labels": [...]}; add "emotions": [...] for IEMOCAP per-emotion 0/1 predictions.',
    )
    sentiment.add_argument("--results", required=True, help="results JSON")
    sentiment.set_defaults(run=_score_sentiment)

    retrieval = tasks.add_parser(
        "retrieval",
        help="recall@1/5/10, median and mean rank, image→text and text→image",
        description='Results: {"similarity": images × texts, "text_image": [row of each '
        'text]} as JSON or .npz (or "image_ids" and "text_image_ids" instead of "text_image").',
    )
    retrieval.add_argument("--results", required=True, help="results JSON or .npz")
    retrieval.set_defaults(run=_score_retrieval)

    for task in (captions, vqa, sentiment, retrieval):
        task.add_argument("--json", action="store_true", help="print one JSON object instead")


def _format(value: float, decimals: int) -> str:
    return "nan" if math.isnan(value) else f"{value:.{decimals}f}"


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len("metric"), *(len(name) for name, _ in rows))
    value_width = max(len("value"), *(len(value) for _, value in rows))
    lines = [
        f"{'metric':<{width}}  {'value':>{value_width}}",
        f"{'-' * width}  {'-' * value_width}",
    ]
    lines += [f"{name:<{width}}  {value:>{value_width}}" for name, value in rows]
    return "\n".join(lines)


def _print(
    args: argparse.Namespace, payload: dict[str, Any], decimals: int, notes: list[str]
) -> int:
    if args.json:
        # JSON has no NaN; undefined values become null.
        metrics = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in payload["metrics"].items()
        }
        print(json.dumps({**payload, "metrics": metrics}, indent=2, sort_keys=False))
        return 0
    rows = [(name, _format(value, decimals)) for name, value in payload["metrics"].items()]
    rows += [(name, "unavailable") for name in payload.get("unavailable", {})]
    print(_table(rows))
    for note in notes:
        print(note)
    return 0


def _score_captions(args: argparse.Namespace) -> int:
    from polymodal.errors import DataError
    from polymodal.metrics.captioning.scorer import CAPTION_METRICS, score_captions
    from polymodal.metrics.formats import read_caption_files

    metrics = [name.strip() for name in args.metrics.split(",") if name.strip()]
    unknown = [name for name in metrics if name not in CAPTION_METRICS]
    if unknown:
        raise DataError(f"--metrics: unknown {unknown}; choose from {', '.join(CAPTION_METRICS)}")
    files = read_caption_files(args.results, args.annotations)
    scores = score_captions(files.hypotheses, files.references, metrics, args.tokenizer)
    notes = [f"{name}: unavailable ({reason})" for name, reason in scores.unavailable.items()]
    notes.append(f"scored {len(files.hypotheses)} images")
    if files.unscored:
        notes.append(f"{files.unscored} annotated images have no result and were not scored")
    payload = {
        "task": "captions",
        "metrics": scores.scores,
        "unavailable": scores.unavailable,
        "images": len(files.hypotheses),
        "unscored_images": files.unscored,
    }
    return _print(args, payload, 4, notes)


def _score_vqa(args: argparse.Namespace) -> int:
    from polymodal.metrics.formats import read_vqa_files
    from polymodal.metrics.vqa import VQAAccuracy

    files = read_vqa_files(args.results, args.questions, args.annotations)
    metric = VQAAccuracy()
    metric.update(
        files.predictions,
        files.answers,
        question_ids=files.question_ids,
        answer_types=files.answer_types,
        question_types=files.question_types,
        answer_records=files.answer_records,
    )
    results = metric.compute()
    if not args.per_question_type and not args.json:
        results = {
            k: v for k, v in results.items() if not k.startswith("vqa_accuracy/question_type/")
        }
    official = metric.official()
    payload = {
        "task": "vqa",
        "metrics": results,
        "official": official,
        "questions": len(files.question_ids),
    }
    notes = [
        f"official (rounded as the VQA evaluation prints it): overall {official['overall']:.2f}",
        f"scored {len(files.question_ids)} questions",
    ]
    return _print(args, payload, 2, notes)


def _score_sentiment(args: argparse.Namespace) -> int:
    from polymodal.metrics.formats import read_sentiment_results
    from polymodal.metrics.sentiment import EmotionMetrics, sentiment_metrics

    files = read_sentiment_results(args.results)
    if files.emotions is not None:
        metric = EmotionMetrics(files.emotions)
        metric.update(files.predictions, files.labels)
        results = metric.compute()
    else:
        results = sentiment_metrics(files.predictions, files.labels)
    payload = {"task": "sentiment", "metrics": results, "samples": len(files.labels)}
    return _print(args, payload, 4, [f"scored {len(files.labels)} samples"])


def _score_retrieval(args: argparse.Namespace) -> int:
    from polymodal.metrics.formats import read_retrieval_results
    from polymodal.metrics.retrieval import retrieval_metrics

    files = read_retrieval_results(args.results)
    results = retrieval_metrics(files.similarity, files.text_image)
    images, texts = files.similarity.shape
    payload = {"task": "retrieval", "metrics": results, "images": images, "texts": texts}
    return _print(args, payload, 2, [f"scored {images} images and {texts} texts"])
