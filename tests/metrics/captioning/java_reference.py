"""Runs the reference Java tokenizer (what pycocoevalcap runs) for comparisons."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

JAVA = shutil.which("java")
requires_java = pytest.mark.skipif(JAVA is None, reason="needs Java (`java` not on PATH)")


def _jar() -> Path:
    pycocoevalcap = pytest.importorskip("pycocoevalcap.tokenizer.ptbtokenizer")
    return Path(pycocoevalcap.__file__).parent / pycocoevalcap.STANFORD_CORENLP_3_4_1_JAR


def java_token_lines(captions: list[str]) -> list[str]:
    """The Java tokenizer's raw output lines (before punctuation removal), one per caption,
    run with pycocoevalcap's options on pycocoevalcap's one-caption-per-line file."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "captions.txt"
        source.write_bytes("\n".join(c.replace("\n", " ") for c in captions).encode())
        command = [str(JAVA), "-cp", str(_jar()), "edu.stanford.nlp.process.PTBTokenizer"]
        output = subprocess.run(
            [*command, "-preserveLines", "-lowerCase", str(source)],
            capture_output=True,
            check=True,
        )
    return output.stdout.decode().split("\n")[: len(captions)]


def java_tokenize_captions(captions: list[str]) -> list[str]:
    """pycocoevalcap's PTBTokenizer output for captions in this order (one document)."""
    module = pytest.importorskip("pycocoevalcap.tokenizer.ptbtokenizer")
    tokenized = module.PTBTokenizer().tokenize(
        {i: [{"caption": c}] for i, c in enumerate(captions)}
    )
    return [tokenized[i][0] for i in range(len(captions))]
