"""Prediction on new inputs with a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from polymodal.data.batch import collate
from polymodal.data.pipeline import apply_batch_transforms
from polymodal.errors import DataError
from polymodal.recipes import components
from polymodal.recipes.evaluate import task_predictions
from polymodal.recipes.run_dir import RunDir
from polymodal.recipes.settings import training_settings
from polymodal.training.checkpoint import checkpoint_path, load_weights
from polymodal.training.device import autocast, resolve_device


class Predictor:
    """A trained run, loaded once, answering raw samples.

    Args:
        run_dir: a folder written by ``polymodal train``.
        checkpoint: ``best`` or ``last``.
    """

    def __init__(self, run_dir: str | Path, checkpoint: str = "best") -> None:
        run = RunDir(Path(run_dir))
        self.config = run.load_config()
        folder = checkpoint_path(run.root, checkpoint)
        self.device = resolve_device(str(self.config.get("device", "auto")))
        self.precision = training_settings(self.config).precision
        self.transforms = components.build_transforms(self.config, run=run)
        self.batch_transforms = components.build_batch_transforms(self.config)
        self.task = components.build_task(self.config, run=run)
        self.model = components.build_model(self.config).to(self.device).eval()
        load_weights(self.model, folder)

    @property
    def inputs(self) -> list[str]:
        """The sample fields the model reads."""
        modalities = getattr(self.model, "modalities", None)
        return list(modalities) if modalities else list(self.transforms)

    @torch.no_grad()
    def predict(self, sample: dict[str, Any], top_k: int = 5) -> list[tuple[str, float]]:
        """Raw sample (e.g. ``{"image": (3, H, W) uint8, "question": str}``) → the ``top_k``
        labels with their probabilities, best first."""
        missing = [field for field in self.inputs if field not in sample]
        if missing:
            raise DataError(f"prediction needs the input(s) {missing}; got {list(sample)}")
        prepared = dict(sample)
        for field, transform in self.transforms.items():
            if field in prepared:
                prepared[field] = transform(prepared[field])
        batch = apply_batch_transforms(collate([prepared]).to(self.device), self.batch_transforms)
        with autocast(self.device, self.precision):
            output = self.model(batch)
        ranked: list[tuple[str, float]] = task_predictions(
            self.task, self.model, batch, output, top_k
        )[0]
        return ranked
