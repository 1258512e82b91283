"""Masked-language-model heads: vocabulary logits per text token, and answers read as the
word predicted at a masked position."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from polymodal.fusion.output import FusionOutput
from polymodal.modules.pooling import last_real


class MLMHead(nn.Module):
    """BERT's prediction head: dense → GELU → LayerNorm → vocabulary logits.

    Shapes:
        tokens: (B, L, D) → (B, L, V).
    """

    def __init__(self, dim: int, vocab_size: int) -> None:
        super().__init__()
        self.transform = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.LayerNorm(dim))
        self.decoder = nn.Linear(dim, vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.decoder(self.transform(tokens))
        return logits


class ClozeAnswerHead(nn.Module):
    """Answers a question as the word an :class:`MLMHead` predicts at a masked position
    appended to it ("what color is the cube [MASK]"), so the head pre-training trained to
    fill in "the color of the cube is [MASK]" answers from its first fine-tuning step:
    prompt-based fine-tuning (Schick & Schütze 2021, "Exploiting Cloze Questions for Few Shot
    Text Classification and Natural Language Inference"; Gao et al. 2021, "Making Pre-trained
    Language Models Better Few-shot Learners"), as VQA is posed to masked vision-language
    models.

    Each answer is scored by the vocabulary row of the word that says it (``answer_ids``,
    from :class:`~polymodal.tasks.VQATask`'s ``answer_words`` through ``meta``); answers
    that are no word of the vocabulary (−1: "yes", "no" when pre-training captions never
    say them) get rows of their own, in ``extra``. The masked position is the last real
    text token, where ``WordTokenizer(append_mask=True)`` puts it.

    Args:
        input_dim: width D of the fused tokens.
        vocab_size: the text vocabulary V.
        answer_ids: per answer class, its word's id in the vocabulary, or −1.

    Parameter names: ``mlm.transform``, ``mlm.decoder`` (as in the pre-training model's
    ``mlm_head``, so ``init_from.map: {mlm_head.: heads.answer.mlm.}`` carries it over),
    ``extra``.

    Shapes:
        fused.tokens: (B, L, D), fused.mask: (B, L) → logits (B, len(answer_ids)).
    """

    def __init__(self, input_dim: int, vocab_size: int, answer_ids: Sequence[int]) -> None:
        super().__init__()
        ids = [int(i) for i in answer_ids]
        if not ids:
            raise ValueError("answer_ids is empty: the head needs at least one answer")
        outside = [i for i in ids if not -1 <= i < vocab_size]
        if outside:
            raise ValueError(
                f"answer_ids {outside} are outside the vocabulary of {vocab_size} (−1: no word)"
            )
        words = [i for i in ids if i >= 0]
        if len(set(words)) != len(words):
            raise ValueError(f"answer_ids name a word twice: {ids}")
        self.mlm = MLMHead(input_dim, vocab_size)
        wordless = ids.count(-1)
        self.extra = nn.Linear(input_dim, wordless) if wordless else None
        # Column of each answer in [vocabulary logits ; extra logits].
        extra_columns = iter(range(vocab_size, vocab_size + wordless))
        columns = [i if i >= 0 else next(extra_columns) for i in ids]
        self.register_buffer("columns", torch.tensor(columns), persistent=False)

    def forward(self, fused: FusionOutput) -> torch.Tensor:
        if fused.tokens is None:
            raise ValueError(
                "ClozeAnswerHead reads the fused token at the masked position, but the fusion "
                "returned no tokens (use one that returns a token per text token, e.g. "
                "CrossAttentionFusion with query=<the question field>)"
            )
        hidden = self.mlm.transform(last_real(fused.tokens, fused.mask))
        logits = self.mlm.decoder(hidden)
        if self.extra is not None:
            logits = torch.cat([logits, self.extra(hidden)], dim=-1)
        return logits[:, self.columns]
