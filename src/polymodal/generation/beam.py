"""Batched beam search with a length penalty and n-best lists."""

from __future__ import annotations

import math

import torch

from polymodal.generation.base import Generated, IncrementalDecoder, check_lengths, next_log_probs


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's length normalisation lp(Y) = ((5 + |Y|) / 6)^α (Wu et al. 2016, §7).

    A hypothesis is ranked by log P(Y) / lp(Y): α = 0 ranks by log-probability alone, which
    favours short sequences; larger α favours longer ones.
    """
    return ((5.0 + length) / 6.0) ** alpha


class BeamSearch:
    """Keeps the ``beam_size`` best partial sequences of each sample at every step.

    Every sample of the batch has ``beam_size`` rows of the decoder's batch; each step scores
    all beam × vocabulary extensions at once and keeps the best ``2 · beam_size`` per sample.
    Among those, an extension by the end token that ranks within the first ``beam_size`` is a
    finished hypothesis (scored log P / lp); the first ``beam_size`` other extensions are the
    next beams. A sample is done when it has ``num_return`` finished hypotheses and no beam can
    still beat the worst of them: log-probabilities only fall as a sequence grows, so a beam's
    best possible score is its log-probability over the largest length penalty it can reach.
    Beams still open at ``max_length`` tokens are scored as they are.

    With ``beam_size=1`` and ``alpha=0`` this is greedy search, token for token.

    Args:
        beam_size: beams per sample.
        max_length: most tokens generated per sequence (end token included).
        alpha: the length penalty's exponent (:func:`length_penalty`; 0: none).
    """

    def __init__(self, beam_size: int = 3, max_length: int = 32, alpha: float = 0.0) -> None:
        if beam_size < 1:
            raise ValueError(f"BeamSearch: beam_size must be ≥ 1, got {beam_size}")
        if max_length < 1:
            raise ValueError(f"BeamSearch: max_length must be ≥ 1, got {max_length}")
        self.beam_size = beam_size
        self.max_length = max_length
        self.alpha = alpha

    def _bound(self, raw: float, length: int) -> float:
        """The best normalised score a beam with log-probability ``raw`` ≤ 0 after ``length``
        tokens can still reach."""
        best_penalty = max(
            length_penalty(length, self.alpha), length_penalty(self.max_length, self.alpha)
        )
        return raw / best_penalty

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
            num_return: hypotheses returned per sample (≤ ``beam_size``), best first.

        Returns:
            Per sample, its ``num_return`` best hypotheses (fewer only if fewer exist, e.g. a
            vocabulary smaller than the beam).
        """
        if not 1 <= num_return <= self.beam_size:
            raise ValueError(
                f"BeamSearch: num_return must be between 1 and beam_size {self.beam_size}, "
                f"got {num_return}"
            )
        check_lengths("BeamSearch", self.max_length, decoder)
        batch, beams, device = memory.shape[0], self.beam_size, memory.device
        # The memory is projected once per sample, then each sample's cache is repeated per beam.
        rows = torch.arange(batch, device=device).repeat_interleave(beams)
        state = decoder.start(memory, memory_mask).select(rows)
        tokens = torch.full((batch * beams, 1), bos_id, dtype=torch.long, device=device)
        sequences = torch.empty(batch * beams, 0, dtype=torch.long, device=device)
        # Only the first beam is live at the start, so the first step does not pick the same
        # token `beams` times.
        beam_scores = torch.full((batch, beams), -math.inf, dtype=torch.float64, device=device)
        beam_scores[:, 0] = 0.0
        finished: list[list[Generated]] = [[] for _ in range(batch)]
        done = [False] * batch
        for step in range(self.max_length):
            length = step + 1
            logits, state = decoder.step(tokens, state)
            log_probs = next_log_probs(logits).double()  # (B·K, V)
            vocab = log_probs.shape[-1]
            totals = (beam_scores.view(-1, 1) + log_probs).view(batch, beams * vocab)
            top_scores, top_ids = totals.topk(min(2 * beams, beams * vocab), dim=1)
            origins, next_tokens = top_ids // vocab, top_ids % vocab
            new_scores = torch.full_like(beam_scores, -math.inf)
            new_origins = torch.zeros(batch, beams, dtype=torch.long, device=device)
            new_tokens = torch.full((batch, beams), eos_id, dtype=torch.long, device=device)
            score_rows, origin_rows, token_rows = (
                top_scores.tolist(),
                origins.tolist(),
                next_tokens.tolist(),
            )
            for sample in range(batch):
                if done[sample]:
                    continue
                kept = 0
                for rank, (score, origin, token) in enumerate(
                    zip(score_rows[sample], origin_rows[sample], token_rows[sample], strict=True)
                ):
                    if score == -math.inf or kept == beams:
                        break
                    if token == eos_id:
                        if rank < beams:
                            history = sequences[sample * beams + origin].tolist()
                            normalised = score / length_penalty(length, self.alpha)
                            finished[sample].append(Generated(history, normalised, True))
                        continue
                    new_scores[sample, kept] = score
                    new_origins[sample, kept] = origin
                    new_tokens[sample, kept] = token
                    kept += 1
                done[sample] = self._sample_done(
                    finished[sample], new_scores[sample], length, num_return
                )
            if all(done):
                break
            flat = (torch.arange(batch, device=device)[:, None] * beams + new_origins).view(-1)
            state = state.select(flat)
            sequences = torch.cat([sequences[flat], new_tokens.view(-1, 1)], dim=1)
            beam_scores = new_scores
            tokens = new_tokens.view(-1, 1)
        else:
            # max_length reached: the open beams are hypotheses too.
            for sample in range(batch):
                if done[sample]:
                    continue
                for beam in range(beams):
                    raw = float(beam_scores[sample, beam])
                    if raw == -math.inf:
                        continue
                    history = sequences[sample * beams + beam].tolist()
                    normalised = raw / length_penalty(self.max_length, self.alpha)
                    finished[sample].append(Generated(history, normalised, False))
        return [sorted(hypotheses, key=lambda h: -h.score)[:num_return] for hypotheses in finished]

    def _sample_done(
        self, finished: list[Generated], open_scores: torch.Tensor, length: int, num_return: int
    ) -> bool:
        if len(finished) < num_return:
            return False
        worst_kept = sorted((h.score for h in finished), reverse=True)[num_return - 1]
        best_open = float(open_scores.max())
        return best_open == -math.inf or self._bound(best_open, length) <= worst_kept
