"""``polymodal search``: a folder of images ranked by a text query or an example image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polymodal.cli import main
from polymodal.config import load_config
from polymodal.data.synthetic.datasets import SyntheticCaptions
from polymodal.data.synthetic.render import render_scene
from polymodal.recipes.search import ImageSearch
from polymodal.recipes.train import train


@pytest.fixture(scope="module")
def retrieval_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("runs")
    overrides = [
        "data.train.num_images=16",
        "data.val.num_images=4",
        "data.test.num_images=4",
        "data.batch_size=8",
        "training.epochs=1",
        f"output_dir={output}",
    ]
    return train(load_config("scene_retrieval", overrides)).run_dir


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("gallery")
    scenes = SyntheticCaptions(split="gallery", num_images=5, style="retrieval", image_size=64)
    for index, scene in enumerate(scenes.scenes):
        # Another size than training (48): the run's image transform resizes.
        render_scene(scene, 64, 64).save(folder / f"scene_{index}.png")
    (folder / "notes.txt").write_text("not an image")
    return folder, [captions[0] for captions in scenes.captions]


def test_text_query_ranks_every_image(
    retrieval_run: Path, gallery: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, captions = gallery
    status = main(
        [
            "search",
            str(retrieval_run),
            "--images",
            str(folder),
            "--query",
            captions[2],
            "--top",
            "5",
            "--json",
        ]
    )
    assert status == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"not images, left out: 1 file(s) in {folder}"
    results = [json.loads(line) for line in lines[1:]]
    assert [r["rank"] for r in results] == [1, 2, 3, 4, 5]
    assert sorted(Path(r["path"]).name for r in results) == [f"scene_{i}.png" for i in range(5)]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    # The CLI's scores are the cosine similarities the library computes.
    search = ImageSearch(retrieval_run)
    direct = search.search(folder, query=captions[2])
    assert [str(m.path) for m in direct] == [r["path"] for r in results]


def test_image_query_finds_itself_first(
    retrieval_run: Path, gallery: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = gallery
    status = main(
        [
            "search",
            str(retrieval_run),
            "--images",
            str(folder),
            "--image",
            str(folder / "scene_3.png"),
            "--top",
            "2",
        ]
    )
    assert status == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert len(lines) == 2
    assert lines[0].endswith("scene_3.png") and "+1.0000" in lines[0]


def test_errors_name_the_problem(
    retrieval_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", str(retrieval_run), "--images", str(tmp_path), "--query", "x"]) == 2
    assert "holds no image files" in capsys.readouterr().err
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert main(["search", str(retrieval_run), "--images", str(tmp_path), "--query", "x"]) == 2
    assert "cannot decode image" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["search", str(retrieval_run), "--images", str(tmp_path)])
