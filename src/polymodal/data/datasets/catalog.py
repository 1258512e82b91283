"""Every dataset polymodal reads, where its files are expected, and how to summarise it.

A static table — not a registry: nothing registers itself, and configs still name datasets by
their ``_component_`` path. ``polymodal data list`` prints it and ``polymodal data check``
uses it to build each split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset.

    Attributes:
        name: the name on the command line.
        component: the dotted path a config's ``_component_`` uses.
        splits: the splits ``data check`` looks at by default.
        layout: the expected files, relative to the root folder.
        text_field: the sample field whose word vocabulary ``data check`` reports.
        label_field: the field whose distribution ``data check`` reports.
        label_kind: ``answers`` (lists of answers), ``category``, ``score`` (sentiment in
            [-3, 3]), ``traces`` (per-frame values) or ``none``.
        root_arg: the constructor argument naming the folder (``None``: no files).
        split_arg: the constructor argument naming the split (``None``: no splits).
        arguments: fixed constructor arguments for ``data check``.
        summary: one line about the dataset.
    """

    name: str
    component: str
    splits: tuple[str, ...]
    layout: tuple[str, ...]
    text_field: str | None
    label_field: str | None
    label_kind: str
    summary: str
    root_arg: str | None = "root"
    split_arg: str | None = "split"
    arguments: dict[str, Any] = field(default_factory=dict)


_D = "polymodal.data.datasets"
_FEATURES = (
    "aligned_50.pkl | unaligned_50.pkl (MMSA)  or  <name>_data.pkl (MultiBench/MulT)",
    "or a folder written by `polymodal data convert` (meta.json, <split>.safetensors/.json)",
)

CATALOG: tuple[DatasetEntry, ...] = (
    DatasetEntry(
        "easy_vqa",
        f"{_D}.easy_vqa.EasyVQA",
        ("train", "val", "test"),
        (
            "train/questions.json",
            "train/images/<image_id>.png",
            "test/questions.json",
            "test/images/<image_id>.png",
        ),
        "question",
        "answers",
        "answers",
        "easy-VQA: one coloured shape per image; ships with the easy-vqa package",
        arguments={"preload": False},
    ),
    DatasetEntry(
        "vqa_v2",
        f"{_D}.vqa_v2.VQAv2",
        ("train", "val", "test-dev", "test"),
        (
            "v2_OpenEnded_mscoco_<train2014|val2014|test2015|test-dev2015>_questions.json",
            "v2_mscoco_<train2014|val2014>_annotations.json",
            "<train2014|val2014|test2015>/COCO_<subtype>_<image_id:012d>.jpg",
        ),
        "question",
        "multiple_choice_answer",
        "category",
        "VQA v2: COCO images, ten human answers per question",
    ),
    DatasetEntry(
        "clevr",
        f"{_D}.clevr.CLEVR",
        ("train", "val", "test"),
        (
            "questions/CLEVR_<split>_questions.json",
            "scenes/CLEVR_<split>_scenes.json (optional)",
            "images/<split>/CLEVR_<split>_<index:06d>.png",
        ),
        "question",
        "answers",
        "answers",
        "CLEVR v1.0 (and CoGenT): rendered scenes, questions with functional programs",
    ),
    DatasetEntry(
        "gqa",
        f"{_D}.gqa.GQA",
        ("train", "val", "testdev"),
        (
            "<split>_balanced_questions.json (or questions/...)",
            "<split>_sceneGraphs.json (optional; or sceneGraphs/...)",
            "images/<imageId>.jpg",
        ),
        "question",
        "answers",
        "answers",
        "GQA balanced questions on Visual Genome images, with scene graphs",
    ),
    DatasetEntry(
        "coco_captions",
        f"{_D}.coco_captions.coco_captions",
        ("train", "val"),
        (
            "annotations/captions_<train|val>2014.json",
            "<train|val>2014/COCO_<train|val>2014_<id:012d>.jpg",
        ),
        "caption",
        None,
        "none",
        "COCO Captions, official train2014/val2014 annotations",
    ),
    DatasetEntry(
        "coco_karpathy",
        f"{_D}.coco_captions.coco_karpathy",
        ("train", "val", "test"),
        ("dataset_coco.json (Karpathy split)", "<train2014|val2014>/<filename>"),
        "caption",
        None,
        "none",
        "COCO in the Karpathy split: train (+restval) / val / test 5,000",
    ),
    DatasetEntry(
        "flickr30k",
        f"{_D}.flickr30k.flickr30k",
        ("train", "val", "test"),
        ("dataset_flickr30k.json (Karpathy split)", "flickr30k-images/<filename>"),
        "caption",
        None,
        "none",
        "Flickr30k in the Karpathy split (retrieval test: 1,000 images)",
    ),
    DatasetEntry(
        "conceptual_captions",
        f"{_D}.conceptual_captions.conceptual_captions",
        ("train", "val"),
        (
            "Train_GCC-training.tsv, Validation_GCC-1.1.0-Validation.tsv",
            "training/, validation/  (downloaded images; file names as the downloaders write them)",
        ),
        "caption",
        None,
        "none",
        "Conceptual Captions 3M: TSV of caption and URL plus your downloaded images",
    ),
    DatasetEntry(
        "webdataset",
        f"{_D}.webdataset.WebDatasetShards",
        ("all",),
        ("*.tar  (members {key}.jpg|png|webp + {key}.txt)",),
        "caption",
        None,
        "none",
        "image-caption tar shards (img2dataset / webdataset), streamed",
        split_arg=None,
        arguments={"shards": "*.tar"},
    ),
    DatasetEntry(
        "mosi",
        f"{_D}.mosi.MOSI",
        ("train", "valid", "test"),
        _FEATURES,
        "text",
        "label",
        "score",
        "CMU-MOSI sentiment: text/audio/vision features, score in [-3, 3]",
    ),
    DatasetEntry(
        "mosei",
        f"{_D}.mosi.MOSI",
        ("train", "valid", "test"),
        _FEATURES,
        "text",
        "label",
        "score",
        "CMU-MOSEI sentiment: same files and format as CMU-MOSI",
    ),
    DatasetEntry(
        "iemocap",
        f"{_D}.iemocap.IEMOCAP",
        ("train", "valid", "test"),
        ("iemocap_data.pkl | iemocap_data_noalign.pkl (MulT)", _FEATURES[1]),
        None,
        "emotion",
        "category",
        "IEMOCAP: neutral / happy / sad / angry, MulT features",
    ),
    DatasetEntry(
        "semaine",
        f"{_D}.semaine.SEMAINE",
        ("all",),
        (
            "Sessions/<session>/R<r>S<s>T<U|O>C<char>D<V|A|P|E|I>[n].txt (FEELtrace)",
            "features/<session>.npz (features (T, D), times (T,))",
            "splits.json (optional)",
        ),
        None,
        "labels",
        "traces",
        "SEMAINE: continuous valence/arousal/power/expectation/intensity traces",
    ),
    DatasetEntry(
        "mvsa",
        f"{_D}.mvsa.MVSA",
        ("train", "val", "test"),
        (
            "labelResultAll.txt (ID<TAB>text,image; three such columns for MVSA-Multiple)",
            "data/<ID>.jpg, data/<ID>.txt",
        ),
        "text",
        "label",
        "category",
        "MVSA-Single / -Multiple: tweets with images, positive / neutral / negative, 8:1:1 split",
    ),
    DatasetEntry(
        "synthetic_clevr",
        "polymodal.data.synthetic.datasets.SyntheticCLEVR",
        ("train", "val"),
        ("(generated; no files)",),
        "question",
        "answers",
        "answers",
        "CLEVR-style 2-D scenes with template questions and programs, by seed",
        root_arg=None,
        arguments={"num_images": 100, "questions_per_image": 10},
    ),
    DatasetEntry(
        "synthetic_captions",
        "polymodal.data.synthetic.datasets.SyntheticCaptions",
        ("train", "val"),
        ("(generated; no files)",),
        "caption",
        None,
        "none",
        "CLEVR-style 2-D scenes with template captions (style=retrieval: unique pairs)",
        root_arg=None,
        arguments={"num_images": 100},
    ),
)


def find_entry(name: str) -> DatasetEntry:
    """The catalog entry called ``name``.

    Raises:
        KeyError: no such dataset (the message lists the names).
    """
    for entry in CATALOG:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown dataset {name!r}; known: {', '.join(e.name for e in CATALOG)}")
