"""A hand-built decoder for decoding tests: the next token depends only on the last one, with
probabilities from a fixed table, so the probability of every sequence is known exactly."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch

from polymodal.generation.beam import length_penalty

PAD, UNK, BOS, EOS = 0, 1, 2, 3


@dataclass
class MarkovState:
    rows: torch.Tensor  # (B,) which input row each decoder row came from

    def select(self, rows: torch.Tensor) -> MarkovState:
        return MarkovState(self.rows.index_select(0, rows))


class MarkovDecoder:
    """``log P(next | last)`` = ``log_table[last, next]``; the memory is ignored."""

    def __init__(self, probabilities: torch.Tensor, max_length: int = 16) -> None:
        self.log_table = probabilities.double().log()
        self.max_length = max_length

    def start(self, memory: torch.Tensor, memory_mask: torch.Tensor | None = None) -> MarkovState:
        return MarkovState(torch.arange(memory.shape[0]))

    def step(self, input_ids: torch.Tensor, state: MarkovState) -> tuple[torch.Tensor, MarkovState]:
        return self.log_table[input_ids].float(), state


def table(rows: dict[int, dict[int, float]], vocab: int) -> torch.Tensor:
    """A transition table; rows not given are uniform; given rows spread any missing mass over
    the other tokens."""
    probabilities = torch.full((vocab, vocab), 1.0 / vocab, dtype=torch.float64)
    for last, nexts in rows.items():
        rest = [t for t in range(vocab) if t not in nexts]
        left = 1.0 - sum(nexts.values())
        probabilities[last] = 0.0
        for token in rest:
            probabilities[last, token] = left / len(rest)
        for token, p in nexts.items():
            probabilities[last, token] = p
    return probabilities


def exhaustive_best(
    log_table: torch.Tensor, max_length: int, alpha: float, top: int
) -> list[tuple[list[int], float]]:
    """Every sequence of at most ``max_length`` tokens (ended by EOS, or cut at max_length),
    scored as beam search scores it; the ``top`` best."""
    vocab = log_table.shape[0]
    scored: list[tuple[list[int], float]] = []
    for length in range(1, max_length + 1):
        for tokens in itertools.product(range(vocab), repeat=length):
            if EOS in tokens[:-1]:
                continue
            last, total = BOS, 0.0
            for token in tokens:
                total += float(log_table[last, token])
                last = token
            if total == -math.inf:
                continue
            if tokens[-1] == EOS:
                scored.append((list(tokens[:-1]), total / length_penalty(length, alpha)))
            elif length == max_length:
                scored.append((list(tokens), total / length_penalty(length, alpha)))
    scored.sort(key=lambda item: -item[1])
    return scored[:top]
