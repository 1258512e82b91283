"""A run killed with SIGKILL mid-epoch and resumed ends exactly like an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import TINY

# Dropout and augmentations make the random state matter; 8 epochs of 10 steps leave time to
# kill the run.
RESUMABLE = [
    *TINY,
    "+augment.noise._component_=tests.recipes.augmentations.PixelNoise",
    "+batch_augment.dropout._component_=tests.recipes.augmentations.ImageDropout",
    # ~60 ms a step even on an idle machine, so the kill lands mid-run rather than racing it.
    "+augment.slow._component_=tests.recipes.augmentations.SlowDown",
    "training.epochs=8",
    "training.log_every=1",
    "training.checkpoint_every=3",
    "+model.encoders.question.dropout=0.3",
]


def command(output: Path, name: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "polymodal",
        "train",
        *RESUMABLE,
        f"output_dir={output}",
        f"name={name}",
        "resume=true",
    ]


def last_logged_step(metrics: Path) -> int:
    if not metrics.is_file():
        return 0
    steps = [json.loads(line)["step"] for line in metrics.read_text().splitlines() if line]
    return max(steps, default=0)


def test_killed_run_resumes_to_identical_results(tmp_path):
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(
        command(tmp_path, "whole"), check=True, env=environment, capture_output=True, timeout=300
    )

    process = subprocess.Popen(
        command(tmp_path, "killed"),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    metrics = tmp_path / "killed" / "metrics.jsonl"
    deadline = time.monotonic() + 240
    while last_logged_step(metrics) < 25 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    killed_at = last_logged_step(metrics)
    assert 25 <= killed_at < 80

    resumed = subprocess.run(
        command(tmp_path, "killed"),
        check=True,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "resuming" in resumed.stdout

    for split in ("val", "test"):
        whole = json.loads((tmp_path / "whole" / "eval" / f"{split}.json").read_text())
        again = json.loads((tmp_path / "killed" / "eval" / f"{split}.json").read_text())
        assert again == whole
    # The log was rewound to the checkpoint, so each step appears once.
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    train_steps = [r["step"] for r in rows if r["split"] == "train"]
    assert train_steps == list(range(1, 81))
