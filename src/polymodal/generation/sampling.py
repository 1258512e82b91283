"""Nucleus (top-p) sampling (Holtzman et al. 2020, "The Curious Case of Neural Text
Degeneration")."""

from __future__ import annotations

import torch

from polymodal.generation.base import Generated, IncrementalDecoder, check_lengths, next_log_probs


def nucleus_filter(log_probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keeps, per row, the smallest set of most probable tokens whose probability reaches
    ``top_p`` (the nucleus); the others get −∞.

    Args:
        log_probs: (B, V) log-probabilities.
        top_p: in (0, 1]; 1 keeps every token.

    Returns:
        (B, V) log-probabilities with the tokens outside the nucleus at −∞ (not renormalised).
    """
    ordered, order = log_probs.sort(dim=-1, descending=True)
    mass_before = ordered.exp().cumsum(dim=-1) - ordered.exp()
    # A token is in the nucleus when the tokens ranked above it hold less than top_p; the most
    # probable token always is.
    outside_sorted = mass_before >= top_p
    outside_sorted[:, 0] = False
    outside = outside_sorted.scatter(1, order, outside_sorted)
    return log_probs.masked_fill(outside, float("-inf"))


class NucleusSampling:
    """Samples each next token from the nucleus of the (temperature-scaled) distribution.

    Args:
        top_p: probability mass of the nucleus, in (0, 1]; 1 is plain sampling.
        temperature: logits are divided by it before the softmax (> 0).
        max_length: most tokens generated per sequence (end token included).
        seed: seeds the generator at each call, so the same inputs give the same samples.

    ``num_return`` draws that many samples per sample, ordered by their score — the sum of the
    log-probabilities of their tokens under the model (temperature 1, before the nucleus cut).
    """

    def __init__(
        self, top_p: float = 0.9, temperature: float = 1.0, max_length: int = 32, seed: int = 0
    ) -> None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"NucleusSampling: top_p must be in (0, 1], got {top_p}")
        if temperature <= 0.0:
            raise ValueError(f"NucleusSampling: temperature must be > 0, got {temperature}")
        if max_length < 1:
            raise ValueError(f"NucleusSampling: max_length must be ≥ 1, got {max_length}")
        self.top_p = top_p
        self.temperature = temperature
        self.max_length = max_length
        self.seed = seed

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
        """Samples a batch.

        Args:
            decoder: the incremental decoder.
            memory: (B, M, D_m).
            memory_mask: (B, M) bool, or ``None``.
            bos_id: the start token fed first.
            eos_id: the end token.
            num_return: samples drawn per input.

        Returns:
            Per sample, ``num_return`` sequences, highest score first.
        """
        if num_return < 1:
            raise ValueError(f"NucleusSampling: num_return must be ≥ 1, got {num_return}")
        check_lengths("NucleusSampling", self.max_length, decoder)
        batch, device = memory.shape[0], memory.device
        generator = torch.Generator(device=device).manual_seed(self.seed)
        rows = torch.arange(batch, device=device).repeat_interleave(num_return)
        state = decoder.start(memory, memory_mask).select(rows)
        total = batch * num_return
        tokens = torch.full((total, 1), bos_id, dtype=torch.long, device=device)
        sequences: list[list[int]] = [[] for _ in range(total)]
        scores = torch.zeros(total, dtype=torch.float64, device=device)
        ended = torch.zeros(total, dtype=torch.bool, device=device)
        for _ in range(self.max_length):
            logits, state = decoder.step(tokens, state)
            model_log_probs = next_log_probs(logits)
            scaled = torch.log_softmax(logits[:, -1].float() / self.temperature, dim=-1)
            nucleus = nucleus_filter(scaled, self.top_p)
            drawn = torch.multinomial(nucleus.softmax(dim=-1), 1, generator=generator).squeeze(1)
            gained = model_log_probs.gather(1, drawn[:, None]).squeeze(1).double()
            scores += torch.where(ended, 0.0, gained)
            for row, token in enumerate(drawn.tolist()):
                if not ended[row] and token != eos_id:
                    sequences[row].append(token)
            ended |= drawn == eos_id
            if bool(ended.all()):
                break
            tokens = drawn[:, None]
        results: list[list[Generated]] = []
        for sample in range(batch):
            span = range(sample * num_return, (sample + 1) * num_return)
            drawn_here = [Generated(sequences[i], float(scores[i]), bool(ended[i])) for i in span]
            results.append(sorted(drawn_here, key=lambda h: -h.score))
        return results
