"""Training objectives that are not a task's own loss: image–text contrastive (ITC),
image–text matching with hard negatives (ITM), image-conditioned masked language modelling
(MLM), captioning language modelling (LM). Functions of tensors, separate from the models that
produce them."""

from polymodal.losses.captioning import (
    caption_lm_loss,
    caption_lm_loss_from_memory,
    teacher_forcing,
)
from polymodal.losses.contrastive import contrastive_loss, gather_with_grad
from polymodal.losses.itm import itm_loss, itm_targets, sample_hard_negatives
from polymodal.losses.mlm import IGNORE_INDEX, mask_tokens, mlm_loss

__all__ = [
    "IGNORE_INDEX",
    "caption_lm_loss",
    "caption_lm_loss_from_memory",
    "contrastive_loss",
    "gather_with_grad",
    "itm_loss",
    "itm_targets",
    "mask_tokens",
    "mlm_loss",
    "sample_hard_negatives",
    "teacher_forcing",
]
