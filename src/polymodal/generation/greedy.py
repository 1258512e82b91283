"""Greedy decoding: the most probable next token at every step."""

from __future__ import annotations

import torch

from polymodal.generation.base import Generated, IncrementalDecoder, check_lengths, next_log_probs


class GreedySearch:
    """Takes the arg-max token each step until the end token or ``max_length`` tokens.

    Args:
        max_length: most tokens generated per sequence (end token included).

    Greedy search is beam search with one beam and no length penalty; it returns one sequence
    per sample (``num_return`` must be 1).
    """

    def __init__(self, max_length: int = 32) -> None:
        if max_length < 1:
            raise ValueError(f"GreedySearch: max_length must be ≥ 1, got {max_length}")
        self.max_length = max_length

    @torch.no_grad()
    def __call__(
        self,
        decoder: IncrementalDecoder,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None,
        bos_id: int,
        eos_id: int,
        num_return: int = 1,
    ) -> list[list[Generated]]:
        """Decodes a batch.

        Args:
            decoder: the incremental decoder.
            memory: (B, M, D_m).
            memory_mask: (B, M) bool, or ``None``.
            bos_id: the start token fed first.
            eos_id: the end token.
            num_return: must be 1.

        Returns:
            Per sample, a list holding its one sequence.
        """
        if num_return != 1:
            raise ValueError(f"GreedySearch returns one sequence per sample, not {num_return}")
        check_lengths("GreedySearch", self.max_length, decoder)
        batch = memory.shape[0]
        state = decoder.start(memory, memory_mask)
        tokens = torch.full((batch, 1), bos_id, dtype=torch.long, device=memory.device)
        sequences: list[list[int]] = [[] for _ in range(batch)]
        scores = torch.zeros(batch, dtype=torch.float64, device=memory.device)
        ended = torch.zeros(batch, dtype=torch.bool, device=memory.device)
        for _ in range(self.max_length):
            logits, state = decoder.step(tokens, state)
            log_probs = next_log_probs(logits)
            best = log_probs.argmax(dim=-1)
            gained = log_probs.gather(1, best[:, None]).squeeze(1).double()
            scores += torch.where(ended, 0.0, gained)
            for row, token in enumerate(best.tolist()):
                if not ended[row] and token != eos_id:
                    sequences[row].append(token)
            ended |= best == eos_id
            if bool(ended.all()):
                break
            tokens = best[:, None]
        return [
            [Generated(sequence, float(score), bool(done))]
            for sequence, score, done in zip(
                sequences, scores.tolist(), ended.tolist(), strict=True
            )
        ]
