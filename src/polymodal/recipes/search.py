"""Searching a folder of images with a trained dual encoder: by a text query (text→image) or
by an example image (image→image), ranked by cosine similarity in the joint space."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from polymodal.data.batch import collate
from polymodal.data.images import load_image
from polymodal.errors import CheckpointError, DataError
from polymodal.models.dual_encoder import DualEncoder
from polymodal.recipes import components
from polymodal.recipes.run_dir import RunDir
from polymodal.training.checkpoint import checkpoint_path, load_weights
from polymodal.training.device import resolve_device

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


@dataclass(frozen=True)
class Match:
    """One ranked image: its file and its cosine similarity to the query."""

    path: Path
    score: float


def image_files(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """The image files of ``folder`` (sorted, not recursive) and the other files in it."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"--images: {root} is not a folder")
    files = sorted(p for p in root.iterdir() if p.is_file())
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        raise DataError(f"--images: {root} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
    return images, [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]


def dual_encoder_of(model: torch.nn.Module, run: Path) -> DualEncoder:
    """The model's dual encoder: the model itself, or a pre-training model's."""
    if isinstance(model, DualEncoder):
        return model
    inner = getattr(model, "dual_encoder", None)
    if isinstance(inner, DualEncoder):
        return inner
    raise CheckpointError(
        f"{run}: its model ({type(model).__name__}) has no dual encoder to search with; "
        "use a retrieval run (DualEncoder) or a pre-training run (PretrainingModel)"
    )


class ImageSearch:
    """A trained run's dual encoder, loaded once, embedding queries and image folders.

    Args:
        run_dir: a retrieval or pre-training run folder.
        checkpoint: ``best``, ``last`` or a step folder.
        batch_size: images embedded at once.
    """

    def __init__(self, run_dir: str | Path, checkpoint: str = "best", batch_size: int = 64) -> None:
        run = RunDir(Path(run_dir))
        config = run.load_config()
        folder = checkpoint_path(run.root, checkpoint)
        self.device = resolve_device(str(config.get("device", "auto")))
        self.transforms = components.build_transforms(config, run=run)
        self.batch_transforms = components.build_batch_transforms(config)
        model = components.build_model(config).to(self.device).eval()
        load_weights(model, folder)
        self.encoder = dual_encoder_of(model, run.root)
        self.batch_size = batch_size

    def _prepared(self, field: str, value: Any) -> Any:
        if field in self.transforms:
            value = self.transforms[field](value)
        return value

    def image_batch(self, images: list[torch.Tensor]) -> torch.Tensor:
        """Decoded (3, H, W) uint8 images of any sizes → the (N, 3, S, S) batch the model reads
        (the run's image transforms applied to each, then stacked, on the model's device)."""
        field = self.encoder.image_field
        resize = self.batch_transforms.get(field)
        # Per image, before stacking: a folder's images may differ in size.
        rows = [self._prepared(field, image) for image in images]
        rows = [resize(row) if resize is not None else row for row in rows]
        return torch.stack(rows).to(self.device)

    @torch.no_grad()
    def embed_images(self, paths: list[Path]) -> torch.Tensor:
        """(N, E) normalised embeddings of the image files."""
        parts = []
        for start in range(0, len(paths), self.batch_size):
            images = [load_image(path) for path in paths[start : start + self.batch_size]]
            parts.append(self.encoder.encode_image(self.image_batch(images)).float().cpu())
        return torch.cat(parts)

    @torch.no_grad()
    def embed_text(self, text: str) -> torch.Tensor:
        """(E,) normalised embedding of a query text."""
        field = self.encoder.text_field
        batch = collate([{field: self._prepared(field, text)}]).to(self.device)
        for name, transform in self.batch_transforms.items():
            if name == field:
                batch[name] = transform(batch[name])
        return self.encoder.encode_text(batch[field]).float().cpu()[0]

    def search(
        self,
        folder: str | Path,
        query: str | None = None,
        image: str | Path | None = None,
        top_k: int | None = None,
    ) -> list[Match]:
        """The folder's images ranked by similarity to ``query`` (text) or ``image``.

        Exactly one of ``query`` and ``image`` must be given. An image query that lies in the
        folder is ranked too (first, with similarity 1).
        """
        if (query is None) == (image is None):
            raise DataError("search needs exactly one of a text query and a query image")
        paths, _ = image_files(folder)
        gallery = self.embed_images(paths)
        if query is not None:
            target = self.embed_text(query)
        else:
            assert image is not None
            target = self.embed_images([Path(image)])[0]
        scores = gallery @ target
        order = torch.argsort(scores, descending=True, stable=True).tolist()
        if top_k is not None:
            order = order[:top_k]
        return [Match(paths[i], float(scores[i])) for i in order]
