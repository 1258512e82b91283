"""Why a model answered as it did: attention heatmaps, Grad-CAM and modality attribution.

- :mod:`~polymodal.interpret.attention_maps`: which image cells each question token (or the
  question as a whole) attended to, from ``FusionOutput.attentions``.
- :mod:`~polymodal.interpret.gradcam`: Grad-CAM over a CNN's last feature map or a ViT's
  patch tokens, for a chosen answer.
- :mod:`~polymodal.interpret.attribution`: the change in the answer's probability when a
  modality is replaced by a baseline, and exact Shapley values over up to 4 modalities.
- :mod:`~polymodal.interpret.explain` and :mod:`~polymodal.interpret.render`: all of it for one
  sample of a trained run, drawn as one PNG (``polymodal explain``).
"""

from polymodal.interpret.attention_maps import (
    AttentionSource,
    ImageAttention,
    attentions_returned,
    image_attention,
    locate,
)
from polymodal.interpret.attribution import (
    ModalityAttribution,
    default_baseline,
    modality_attribution,
)
from polymodal.interpret.explain import Explanation, explain, find_image_attention
from polymodal.interpret.gradcam import cam_from_activations, default_layer, grad_cam
from polymodal.interpret.grid import TokenGrid, encoder_grid, infer_grid
from polymodal.interpret.overlay import overlay
from polymodal.interpret.render import explanation_figure, save_explanation

__all__ = [
    "AttentionSource",
    "Explanation",
    "ImageAttention",
    "ModalityAttribution",
    "TokenGrid",
    "attentions_returned",
    "cam_from_activations",
    "default_baseline",
    "default_layer",
    "encoder_grid",
    "explain",
    "explanation_figure",
    "find_image_attention",
    "grad_cam",
    "image_attention",
    "infer_grid",
    "locate",
    "modality_attribution",
    "overlay",
    "save_explanation",
]
