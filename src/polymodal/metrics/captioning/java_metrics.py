"""METEOR and SPICE, run by ``pycocoevalcap``'s Java programs when they can run here.

Neither has a pure-Python equivalent that agrees with the reference, so they are reported as
unavailable, with the reason, when Java, ``pycocoevalcap`` or (for SPICE) Stanford CoreNLP's
model files are missing. Nothing is downloaded: ``pycocoevalcap`` fetches CoreNLP for SPICE on
first use, which fails offline, so we check for the files first.
"""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def java_unavailable_reason() -> str | None:
    """Why the reference's Java programs cannot run here, or None if they can."""
    if shutil.which("java") is None:
        return "needs Java (no `java` on PATH); install a JRE, e.g. OpenJDK 17"
    if _package_dir() is None:
        return "needs pycocoevalcap (pip install 'polymodal[dev]' or pip install pycocoevalcap)"
    return None


def meteor_unavailable_reason() -> str | None:
    """Why METEOR cannot be computed here, or None if it can."""
    return java_unavailable_reason()


def spice_unavailable_reason() -> str | None:
    """Why SPICE cannot be computed here, or None if it can."""
    reason = java_unavailable_reason()
    if reason is not None:
        return reason
    package = _package_dir()
    assert package is not None
    lib = package / "spice" / "lib"
    needed = [lib / "stanford-corenlp-3.6.0.jar", lib / "stanford-corenlp-3.6.0-models.jar"]
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        return (
            "needs Stanford CoreNLP 3.6.0, which pycocoevalcap downloads on first use (no network "
            f"here); put {', '.join(missing)} in place"
        )
    return None


def _as_dicts(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    references_by_image = {index: list(image) for index, image in enumerate(references)}
    hypotheses_by_image = {index: [caption] for index, caption in enumerate(hypotheses)}
    return references_by_image, hypotheses_by_image


class _MeteorProcess:
    """One METEOR JVM for the whole Python process: starting it (loading its paraphrase
    tables) takes several seconds, scoring a batch a few milliseconds."""

    _instance: Any = None
    _guard = threading.Lock()

    @classmethod
    def score(cls, references: dict[int, list[str]], hypotheses: dict[int, list[str]]) -> Any:
        with cls._guard:
            if cls._instance is None:
                from pycocoevalcap.meteor.meteor import Meteor

                cls._instance = Meteor()
                atexit.register(cls.close)
            try:
                return cls._instance.compute_score(references, hypotheses)
            except BaseException:
                # A failed exchange leaves the pipe out of step: never reuse that process.
                cls.close_locked()
                raise

    @classmethod
    def close(cls) -> None:
        with cls._guard:
            cls.close_locked()

    @classmethod
    def close_locked(cls) -> None:
        scorer, cls._instance = cls._instance, None
        if scorer is None:
            return
        process = scorer.meteor_p
        if process.stdin is not None:
            process.stdin.close()
        process.kill()
        process.wait()
        # The wrapper's finaliser takes this lock, which a failed exchange may have left held.
        scorer.lock = threading.Lock()


def meteor(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float]]:
    """METEOR 1.5 of tokenised captions, computed by ``pycocoevalcap``'s Java wrapper.

    Args:
        hypotheses: one tokenised caption per image.
        references: each image's tokenised references.

    Returns:
        The corpus score (METEOR's own aggregate, not a mean of image scores) and the
        per-image scores.
    """
    references_by_image, hypotheses_by_image = _as_dicts(hypotheses, references)
    score, scores = _MeteorProcess.score(references_by_image, hypotheses_by_image)
    return float(score), [float(value) for value in scores]


def spice(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float]]:
    """SPICE of tokenised captions, computed by ``pycocoevalcap``'s Java program."""
    from pycocoevalcap.spice.spice import Spice

    references_by_image, hypotheses_by_image = _as_dicts(hypotheses, references)
    # Spice() downloads CoreNLP when it is missing; callers check spice_unavailable_reason().
    score, scores = Spice().compute_score(references_by_image, hypotheses_by_image)
    per_image = [float(entry["All"]["f"]) for entry in scores]
    return float(score), per_image
