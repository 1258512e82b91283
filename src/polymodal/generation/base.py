"""What every decoding strategy works on and returns.

A strategy drives an :class:`IncrementalDecoder` — anything that can start from a memory
(e.g. image tokens) and then map the next token ids to next-token logits while keeping its
own key/value cache — and returns, per sample, its best sequences with their scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch


class CacheState(Protocol):
    """A decoder's cache: it can be narrowed or reordered to some of its batch rows (beam
    search follows its beams with it)."""

    def select(self, rows: torch.Tensor) -> Any: ...


class IncrementalDecoder(Protocol):
    """A decoder that generates one step at a time with a cache (see
    :class:`polymodal.heads.text_decoder.TextDecoder`)."""

    max_length: int
    """Most positions (start token included) it can decode."""

    def start(self, memory: torch.Tensor, memory_mask: torch.Tensor | None = None) -> CacheState:
        """The empty state for memories (B, M, D_m) with mask (B, M) bool."""

    def step(self, input_ids: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """(B, n) next token ids → (B, n, V) logits and the state after them."""


@dataclass(frozen=True)
class Generated:
    """One generated sequence.

    Attributes:
        tokens: the token ids, without the start token and without the end token.
        score: what the strategy ranks by: the sum of the tokens' log-probabilities (end token
            included), divided by the length penalty for beam search.
        finished: whether it ended with the end token (False: cut at ``max_length``).
    """

    tokens: list[int]
    score: float
    finished: bool


class DecodingStrategy(Protocol):
    """Greedy search, beam search, nucleus sampling: one interface."""

    max_length: int

    def __call__(
        self,
        decoder: IncrementalDecoder,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None,
        bos_id: int,
        eos_id: int,
        num_return: int = 1,
    ) -> list[list[Generated]]:
        """Per sample, ``num_return`` sequences, best first."""


def check_lengths(strategy: str, max_length: int, decoder: IncrementalDecoder) -> None:
    """The decoder must have room for the start token and ``max_length`` generated tokens
    (the last one is fed back only if decoding goes on, so ``max_length`` positions)."""
    if max_length < 1:
        raise ValueError(f"{strategy}: max_length must be ≥ 1, got {max_length}")
    if max_length > decoder.max_length:
        raise ValueError(
            f"{strategy}: max_length {max_length} is more than the decoder's "
            f"{decoder.max_length} positions (its max_length)"
        )


def next_log_probs(logits: torch.Tensor) -> torch.Tensor:
    """(B, n, V) step logits → (B, V) log-probabilities of the token after the last one
    (in float32, so that scores compare the same under bf16 autocast)."""
    return torch.log_softmax(logits[:, -1].float(), dim=-1)
