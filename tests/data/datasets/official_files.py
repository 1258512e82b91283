"""Writers of tiny dataset folders in the official formats: the real file names, field names and
nesting, with a few PIL-made images. Shared by the dataset tests and the CLI tests."""

from __future__ import annotations

import io
import json
import pickle
import tarfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

COLORS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (90, 90, 90)]


def write_image(path: Path, index: int = 0, size: tuple[int, int] = (24, 16)) -> Path:
    """A small solid image (format from the suffix); the colour depends on ``index``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, COLORS[index % len(COLORS)]).save(path)
    return path


def image_bytes(index: int = 0, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 12), COLORS[index % len(COLORS)]).save(buffer, fmt)
    return buffer.getvalue()


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


# --- VQA v2 -------------------------------------------------------------------------------

VQA_ANSWERS = {
    # question_id: (image_id, question, ten answers, multiple_choice_answer, q type, a type)
    1: (9, "What color is the bus?", ["Red"] * 4 + ["red."] * 2 + ["dark red"] * 4, "red",
        "what color is the", "other"),
    2: (9, "Is it raining?", ["no"] * 10, "no", "is it", "yes/no"),
    3: (42, "How many dogs are there?", ["two"] * 3 + ["2"] * 6 + ["3"], "2", "how many", "number"),
    4: (42, "What is the man holding?", ["an umbrella"] * 7 + ["umbrella"] * 3, "umbrella",
        "what is the man", "other"),
}  # fmt: skip


def write_vqa_v2(root: Path, images: bool = True) -> Path:
    """train2014 questions, annotations and images; test-dev2015 questions only."""
    questions = [
        {"image_id": image_id, "question": question, "question_id": qid}
        for qid, (image_id, question, *_rest) in VQA_ANSWERS.items()
    ]
    write_json(
        root / "v2_OpenEnded_mscoco_train2014_questions.json",
        {"info": {}, "task_type": "Open-Ended", "data_type": "mscoco", "license": {},
         "data_subtype": "train2014", "questions": questions},
    )  # fmt: skip
    annotations = [
        {
            "question_id": qid,
            "image_id": image_id,
            "question_type": q_type,
            "answer_type": a_type,
            "multiple_choice_answer": mc,
            "answers": [
                {"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                for k, a in enumerate(answers)
            ],
        }
        for qid, (image_id, _, answers, mc, q_type, a_type) in VQA_ANSWERS.items()
    ]
    write_json(
        root / "v2_mscoco_train2014_annotations.json",
        {"info": {}, "license": {}, "data_subtype": "train2014", "data_type": "mscoco",
         "annotations": annotations},
    )  # fmt: skip
    write_json(
        root / "v2_OpenEnded_mscoco_test-dev2015_questions.json",
        {"data_subtype": "test-dev2015",
         "questions": [{"image_id": 7, "question": "What is this?", "question_id": 70}]},
    )  # fmt: skip
    if images:
        for k, image_id in enumerate((9, 42)):
            write_image(root / "train2014" / f"COCO_train2014_{image_id:012d}.jpg", k)
        write_image(root / "test2015" / "COCO_test2015_000000000007.jpg", 3)
    return root


# --- CLEVR --------------------------------------------------------------------------------


def clevr_object(shape: str, color: str, x: float, y: float) -> dict[str, Any]:
    return {
        "shape": shape,
        "color": color,
        "size": "large",
        "material": "rubber",
        "3d_coords": [x, y, 0.7],
        "pixel_coords": [int(240 + 40 * x), int(160 + 30 * y), 10.0],
        "rotation": 30.0,
    }


def write_clevr(root: Path, split: str = "val", scenes: bool = True) -> Path:
    """Two images; three questions (with programs); a scenes file."""
    program_count = [
        {"inputs": [], "function": "scene", "value_inputs": []},
        {"inputs": [0], "function": "filter_color", "value_inputs": ["red"]},
        {"inputs": [1], "function": "count", "value_inputs": []},
    ]
    program_exist = [
        {"inputs": [], "function": "scene", "value_inputs": []},
        {"inputs": [0], "function": "filter_shape", "value_inputs": ["cube"]},
        {"inputs": [1], "function": "exist", "value_inputs": []},
    ]
    program_query = [
        {"inputs": [], "function": "scene", "value_inputs": []},
        {"inputs": [0], "function": "filter_shape", "value_inputs": ["sphere"]},
        {"inputs": [1], "function": "unique", "value_inputs": []},
        {"inputs": [2], "function": "query_color", "value_inputs": []},
    ]
    questions = [
        (0, "How many red things are there?", "1", program_count, 37),
        (0, "Is there a cube?", "yes", program_exist, 40),
        (1, "What color is the sphere?", "blue", program_query, 25),
    ]
    write_json(
        root / "questions" / f"CLEVR_{split}_questions.json",
        {
            "info": {"split": split, "version": "1.0"},
            "questions": [
                {
                    "image_index": image,
                    "program": program,
                    "question_index": k,
                    "image_filename": f"CLEVR_{split}_{image:06d}.png",
                    "question_family_index": family,
                    "split": split,
                    "answer": answer,
                    "question": text,
                }
                for k, (image, text, answer, program, family) in enumerate(questions)
            ],
        },
    )
    scene_objects = [
        [clevr_object("cube", "red", -1.0, 0.5), clevr_object("sphere", "gray", 1.0, -0.5)],
        [clevr_object("sphere", "blue", 0.0, 0.0)],
    ]
    if scenes:
        write_json(
            root / "scenes" / f"CLEVR_{split}_scenes.json",
            {
                "info": {"split": split},
                "scenes": [
                    {
                        "split": split,
                        "image_index": i,
                        "image_filename": f"CLEVR_{split}_{i:06d}.png",
                        "objects": objects,
                        "relationships": {
                            "right": [[1], []] if len(objects) == 2 else [[]],
                            "behind": [[1], []] if len(objects) == 2 else [[]],
                            "front": [[], [0]] if len(objects) == 2 else [[]],
                            "left": [[], [0]] if len(objects) == 2 else [[]],
                        },
                        "directions": {"left": [-0.65, 0.76, 0.0]},
                    }
                    for i, objects in enumerate(scene_objects)
                ],
            },
        )
    for i in range(2):
        write_image(root / "images" / split / f"CLEVR_{split}_{i:06d}.png", i, (48, 32))
    return root


# --- GQA ----------------------------------------------------------------------------------


def write_gqa(root: Path, split: str = "val") -> Path:
    def question(
        image: str, text: str, answer: str, detailed: str, structural: str
    ) -> dict[str, Any]:
        return {
            "semantic": [
                {"operation": "select", "dependencies": [], "argument": "table (1)"},
                {"operation": "query", "dependencies": [0], "argument": "color"},
            ],
            "entailed": [],
            "equivalent": [],
            "question": text,
            "imageId": image,
            "isBalanced": True,
            "groups": {"global": None, "local": "10q-table_color"},
            "answer": answer,
            "semanticStr": "select: table (1)->query: color [0]",
            "annotations": {"answer": {}, "question": {}, "fullAnswer": {}},
            "types": {"detailed": detailed, "semantic": "attr", "structural": structural},
            "fullAnswer": f"The answer is {answer}.",
        }

    write_json(
        root / f"{split}_balanced_questions.json",
        {
            "201307251": question(
                "2354786", "What color is the table?", "brown", "material", "query"
            ),
            "20130725": question("2354786", "Is the table brown?", "yes", "verifyAttr", "verify"),
            "1380": question("2375429", "Is there a cat?", "no", "existC", "verify"),
        },
    )
    write_json(
        root / f"{split}_sceneGraphs.json",
        {
            image: {
                "width": 40,
                "height": 30,
                "objects": {
                    "1": {"name": "table", "x": 1, "y": 2, "w": 10, "h": 8,
                          "attributes": ["brown"], "relations": [{"name": "near", "object": "2"}]},
                    "2": {"name": "chair", "x": 15, "y": 2, "w": 5, "h": 8,
                          "attributes": [], "relations": []},
                },
            }
            for image in ("2354786", "2375429")
        },
    )  # fmt: skip
    for k, image in enumerate(("2354786", "2375429")):
        write_image(root / "images" / f"{image}.jpg", k)
    return root


# --- COCO captions, Karpathy splits ----------------------------------------------------------


def write_coco_captions(root: Path, split: str = "val") -> Path:
    images = [
        (391895, f"COCO_{split}2014_000000391895.jpg"),
        (522418, f"COCO_{split}2014_000000522418.jpg"),
    ]
    write_json(
        root / "annotations" / f"captions_{split}2014.json",
        {
            "info": {"year": 2014},
            "licenses": [],
            "images": [
                {"license": 3, "file_name": name, "height": 16, "width": 24, "id": image_id}
                for image_id, name in images
            ],
            "annotations": [
                {"image_id": 391895, "id": 770337, "caption": "A man riding a bike down a road."},
                {"image_id": 522418, "id": 771687, "caption": "A woman cutting a cake."},
                {"image_id": 391895, "id": 772707, "caption": "A person on a bicycle."},
            ],
        },
    )
    for k, (_, name) in enumerate(images):
        write_image(root / f"{split}2014" / name, k)
    return root


def karpathy_image(index: int, split: str, coco: bool) -> dict[str, Any]:
    sentences = [
        {"tokens": ["a", "dog", str(index), "runs"], "raw": f"A dog {index} runs.", "imgid": index,
         "sentid": index * 5 + k}
        for k in range(2)
    ]  # fmt: skip
    image: dict[str, Any] = {
        "sentids": [s["sentid"] for s in sentences],
        "imgid": index,
        "sentences": sentences,
        "split": split,
    }
    if coco:
        folder = "val2014" if split != "train" else "train2014"
        image.update(
            filepath=folder,
            filename=f"COCO_{folder}_{100 + index:012d}.jpg",
            cocoid=100 + index,
        )
    else:
        image["filename"] = f"{1000092795 + index}.jpg"
    return image


def write_karpathy(root: Path, coco: bool) -> Path:
    """Five images: train, restval, val, test, test."""
    splits = ["train", "restval", "val", "test", "test"]
    images = [karpathy_image(i, s, coco) for i, s in enumerate(splits)]
    name = "dataset_coco.json" if coco else "dataset_flickr30k.json"
    write_json(root / name, {"images": images, "dataset": "coco" if coco else "flickr30k"})
    for i, image in enumerate(images):
        folder = root / image["filepath"] if coco else root / "flickr30k-images"
        write_image(folder / image["filename"], i)
    return root


# --- Conceptual Captions ------------------------------------------------------------------

CC_ROWS = [
    ("a very typical bus station", "http://lh6.ggpht.com/-IvRtNLNcG8o/bus.jpg"),
    ("sierra looked stunning in this top and this skirt", "http://78.media.tumblr.com/sierra.jpg"),
    ("young confused girl standing in front of a wardrobe", "https://example.com/girl.jpg"),
]


def cc_file_name(row: int, url: str, naming: str) -> str:
    crc = zlib.crc32(url.encode("utf-8")) & 0xFFFFFFFF
    return {
        "index_crc": f"{row}_{crc}",
        "crc": str(crc),
        "img2dataset": f"{row // 10000:05d}/{row:09d}.jpg",
    }[naming]


def write_conceptual_captions(
    root: Path, naming: str = "index_crc", skip_rows: tuple[int, ...] = (1,)
) -> Path:
    """The validation TSV and its downloaded images (rows in ``skip_rows`` never downloaded)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{caption}\t{url}\n" for caption, url in CC_ROWS)
    (root / "Validation_GCC-1.1.0-Validation.tsv").write_text(lines)
    for row, (_, url) in enumerate(CC_ROWS):
        if row in skip_rows:
            continue
        path = root / "validation" / cc_file_name(row, url, naming)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes(row))  # downloaders keep the bytes, whatever the name
    return root


def write_shard(path: Path, samples: list[tuple[str, bytes | None, str | None]]) -> Path:
    """A WebDataset tar: for each (key, image bytes, caption) a .jpg, a .txt and a .json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as archive:
        for key, image, caption in samples:
            members = {"json": json.dumps({"key": key}).encode()}
            if image is not None:
                members["jpg"] = image
            if caption is not None:
                members["txt"] = caption.encode()
            for extension, data in members.items():
                info = tarfile.TarInfo(f"{key}.{extension}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


# --- Feature pickles (MMSA, MultiBench / MulT) ----------------------------------------------


def mmsa_split(
    count: int, aligned: bool, seed: int, audio_dim: int = 5, vision_dim: int = 20
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    steps = 50 if aligned else 8
    split: dict[str, Any] = {
        "raw_text": np.array([f"sentence number {i}" for i in range(count)], dtype=object),
        "audio": rng.normal(size=(count, steps, audio_dim)).astype(np.float32),
        "vision": rng.normal(size=(count, steps, vision_dim)).astype(np.float32),
        "id": np.array([f"03bSnISJMiM$_${i}" for i in range(count)]),
        "text": rng.normal(size=(count, 50, 768)).astype(np.float32),
        "text_bert": rng.integers(0, 100, size=(count, 3, 50)).astype(np.float64),
        "annotations": np.array(["Positive"] * count),
        "classification_labels": np.ones(count),
        "regression_labels": np.linspace(-3, 3, count).astype(np.float32),
    }
    if not aligned:
        split["audio_lengths"] = [3 + i % 5 for i in range(count)]
        split["vision_lengths"] = [2 + i % 6 for i in range(count)]
        split["audio"][0, 0, 0] = -np.inf  # as in MMSA's released unaligned audio
    return split


def write_mmsa_pickle(path: Path, aligned: bool = False) -> Path:
    data = {
        "train": mmsa_split(6, aligned, 0),
        "valid": mmsa_split(3, aligned, 1),
        "test": mmsa_split(4, aligned, 2),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(data))
    return path


def write_multibench_pickle(path: Path, labels_shape: tuple[int, ...] = (1, 1)) -> Path:
    """MulT/MultiBench layout; IEMOCAP with ``labels_shape=(4, 2)``."""
    rng = np.random.default_rng(3)
    data = {}
    for split, count in (("train", 5), ("valid", 2), ("test", 3)):
        if labels_shape == (4, 2):
            present = np.eye(4, dtype=np.int64)[np.arange(count) % 4]
            labels = np.stack([1 - present, present], axis=-1)
        else:
            labels = rng.uniform(-3, 3, size=(count, *labels_shape)).astype(np.float32)
        data[split] = {
            "vision": rng.normal(size=(count, 20, 35)).astype(np.float32),
            "audio": rng.normal(size=(count, 20, 74)).astype(np.float32),
            "text": rng.normal(size=(count, 20, 300)).astype(np.float32),
            "labels": labels,
            "id": np.array([[f"Ses01F_{split}_{i}"] for i in range(count)]),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(data))
    return path


# --- SEMAINE ------------------------------------------------------------------------------


def write_semaine(root: Path) -> Path:
    """Sessions 1 and 2 with valence and arousal traces from two raters (session 2 lacks
    arousal); feature files at 10 frames per second, 2.5 s (the traces end at 2 s)."""
    for session in ("1", "2"):
        folder = root / "Sessions" / session
        folder.mkdir(parents=True, exist_ok=True)
        dims = ("V", "A") if session == "1" else ("V",)
        for rater in (1, 2):
            for dim in dims:
                times = np.arange(0, 2.01, 0.5)
                values = times * (0.1 if dim == "V" else -0.2) + 0.1 * rater
                lines = "".join(f"{t:.2f} {v:.4f}\n" for t, v in zip(times, values, strict=True))
                (folder / f"R{rater}S{session}TUCPoD{dim}.txt").write_text(lines)
        # A first, superseded attempt of rater 1 (the highest attempt number wins).
        (folder / f"R1S{session}TUCPoDV.txt").rename(folder / f"R1S{session}TUCPoDV2.txt")
        (folder / f"R1S{session}TUCPoDV.txt").write_text("0.0 9.0\n2.0 9.0\n")
        (folder / f"R1S{session}TOCPoDV.txt").write_text("0.0 5.0\n2.0 5.0\n")  # operator
        features = np.arange(25 * 3, dtype=np.float32).reshape(25, 3)
        (root / "features").mkdir(parents=True, exist_ok=True)
        np.savez(root / "features" / f"{session}.npz", features=features, times=np.arange(25) / 10)
    return root
