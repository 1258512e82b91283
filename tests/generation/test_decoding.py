"""Greedy search, beam search and nucleus sampling: exact on known models, batched = one by one."""

from __future__ import annotations

import math

import pytest
import torch

from polymodal.generation import BeamSearch, GreedySearch, NucleusSampling, length_penalty
from polymodal.generation.sampling import nucleus_filter
from polymodal.heads.text_decoder import TextDecoder
from tests.generation.markov import BOS, EOS, MarkovDecoder, exhaustive_best, table

A, B, C, D = 4, 5, 6, 7


def _random_decoder(seed: int = 0) -> TextDecoder:
    torch.manual_seed(seed)
    decoder = TextDecoder(
        vocab_size=12,
        dim=32,
        num_layers=2,
        num_heads=4,
        max_length=12,
        memory_dim=16,
        dropout=0.0,
        tie_embeddings=False,
    )
    # Sharper distributions than at initialisation, and an end token likely enough that some
    # sequences end before max_length and others are cut there.
    with torch.no_grad():
        decoder.output.weight.normal_(0.0, 1.0)
        decoder.output_bias[3] = 5.0
    return decoder.eval()


def _memories(batch: int = 4, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    memory = 3 * torch.randn(batch, 6, 16, generator=generator)
    mask = torch.ones(batch, 6, dtype=torch.bool)
    mask[1, 4:] = False
    mask[3, 2:] = False
    return memory, mask


def _greedy_trap() -> MarkovDecoder:
    """Greedy takes A (0.55) and then C (0.35): 0.1925. The best caption is B alone: B (0.45)
    then EOS (1.0)."""
    rows = {
        BOS: {A: 0.55, B: 0.45},
        A: {EOS: 0.30, C: 0.35, D: 0.35},
        B: {EOS: 1.0},
        C: {EOS: 1.0},
        D: {EOS: 1.0},
    }
    return MarkovDecoder(table(rows, 8))


def test_beam_finds_the_best_sequence_greedy_misses():
    decoder = _greedy_trap()
    memory = torch.zeros(1, 1, 1)
    greedy = GreedySearch(max_length=5)(decoder, memory, None, BOS, EOS)[0][0]
    beam = BeamSearch(beam_size=2, max_length=5)(decoder, memory, None, BOS, EOS)[0][0]
    assert greedy.tokens == [A, C]
    assert greedy.score == pytest.approx(math.log(0.55 * 0.35))
    assert beam.tokens == [B]
    assert beam.finished
    assert beam.score == pytest.approx(math.log(0.45))


@pytest.mark.parametrize("alpha", [0.0, 0.7, 2.0])
def test_wide_beam_equals_exhaustive_search(alpha):
    """A beam wider than the number of prefixes keeps every prefix, so its n-best list is the
    exact n-best over all sequences — with the length penalty and the stopping rule."""
    generator = torch.Generator().manual_seed(3)
    probabilities = torch.rand(6, 6, generator=generator, dtype=torch.float64) ** 3
    probabilities /= probabilities.sum(dim=1, keepdim=True)
    decoder = MarkovDecoder(probabilities)
    search = BeamSearch(beam_size=6**3, max_length=4, alpha=alpha)
    found = search(decoder, torch.zeros(1, 1, 1), None, BOS, EOS, num_return=5)[0]
    expected = exhaustive_best(decoder.log_table, 4, alpha, 5)
    assert [h.tokens for h in found] == [tokens for tokens, _ in expected]
    assert [h.score for h in found] == pytest.approx([score for _, score in expected])


def test_length_penalty_changes_the_winner():
    """Short: A EOS = 0.5. Long: B C D EOS = 0.45·0.9·0.9·0.9 ≈ 0.328. Without a penalty the
    short one wins; with α = 2 the long one does (log p / ((5+|Y|)/6)^α)."""
    rows = {
        BOS: {A: 0.5, B: 0.45},
        A: {EOS: 1.0},
        B: {C: 0.9},
        C: {D: 0.9},
        D: {EOS: 0.9},
    }
    decoder = MarkovDecoder(table(rows, 8))
    memory = torch.zeros(1, 1, 1)
    plain = BeamSearch(beam_size=3, max_length=6, alpha=0.0)(decoder, memory, None, BOS, EOS)
    penalised = BeamSearch(beam_size=3, max_length=6, alpha=2.0)(decoder, memory, None, BOS, EOS)
    assert plain[0][0].tokens == [A]
    assert penalised[0][0].tokens == [B, C, D]
    expected = math.log(0.45 * 0.9**3) / length_penalty(4, 2.0)
    assert penalised[0][0].score == pytest.approx(expected)


def test_beam_of_one_is_greedy():
    decoder = _random_decoder()
    memory, mask = _memories()
    greedy = GreedySearch(max_length=10)(decoder, memory, mask, 2, 3)
    beam = BeamSearch(beam_size=1, max_length=10)(decoder, memory, mask, 2, 3)
    assert [g[0].tokens for g in greedy] == [b[0].tokens for b in beam]
    assert [g[0].score for g in greedy] == pytest.approx([b[0].score for b in beam], abs=1e-5)
    # A real check: the samples differ, some end with the end token and some are cut.
    assert len({tuple(g[0].tokens) for g in greedy}) == 4
    assert {g[0].finished for g in greedy} == {True, False}


@pytest.mark.parametrize(
    "strategy",
    [GreedySearch(max_length=10), BeamSearch(beam_size=4, max_length=10, alpha=0.6)],
    ids=["greedy", "beam"],
)
def test_batched_decoding_equals_one_by_one(strategy):
    decoder = _random_decoder()
    memory, mask = _memories()
    num_return = 3 if isinstance(strategy, BeamSearch) else 1
    batched = strategy(decoder, memory, mask, 2, 3, num_return=num_return)
    for row in range(memory.shape[0]):
        alone = strategy(decoder, memory[row : row + 1], mask[row : row + 1], 2, 3, num_return)
        assert [h.tokens for h in batched[row]] == [h.tokens for h in alone[0]]
        assert [h.score for h in batched[row]] == pytest.approx(
            [h.score for h in alone[0]], abs=1e-5
        )


def test_beam_n_best_is_sorted_and_distinct():
    decoder = _random_decoder()
    memory, mask = _memories()
    results = BeamSearch(beam_size=5, max_length=10, alpha=0.6)(decoder, memory, mask, 2, 3, 5)
    for hypotheses in results:
        assert len(hypotheses) == 5
        scores = [h.score for h in hypotheses]
        assert scores == sorted(scores, reverse=True)
        assert len({tuple(h.tokens) for h in hypotheses}) == 5


def test_nucleus_filter_keeps_the_smallest_set_reaching_p():
    log_probs = torch.tensor([[0.5, 0.2, 0.25, 0.05]]).log()
    kept = nucleus_filter(log_probs, 0.7).isfinite()
    assert kept.tolist() == [[True, False, True, False]]  # 0.5 + 0.25 ≥ 0.7
    assert nucleus_filter(log_probs, 0.75).isfinite().tolist() == [[True, False, True, False]]
    assert nucleus_filter(log_probs, 0.76).isfinite().tolist() == [[True, True, True, False]]
    assert nucleus_filter(log_probs, 0.01).isfinite().tolist() == [[True, False, False, False]]


def test_nucleus_sampling_with_a_tiny_nucleus_is_greedy():
    decoder = _random_decoder()
    memory, mask = _memories()
    greedy = GreedySearch(max_length=10)(decoder, memory, mask, 2, 3)
    sampled = NucleusSampling(top_p=1e-6, max_length=10)(decoder, memory, mask, 2, 3)
    assert [g[0].tokens for g in greedy] == [s[0].tokens for s in sampled]


def test_nucleus_sampling_draws_only_inside_the_nucleus_and_is_seeded():
    """From BOS: A 0.6, B 0.3, C 0.1; with top_p 0.8 C is never drawn, A about twice as often
    as B, and the same seed gives the same samples."""
    rows = {BOS: {A: 0.6, B: 0.3, C: 0.1}, A: {EOS: 1.0}, B: {EOS: 1.0}, C: {EOS: 1.0}}
    decoder = MarkovDecoder(table(rows, 8))
    memory = torch.zeros(1, 1, 1)
    sampler = NucleusSampling(top_p=0.8, max_length=4, seed=7)
    drawn = sampler(decoder, memory, None, BOS, EOS, num_return=600)[0]
    firsts = [h.tokens[0] for h in drawn]
    assert C not in firsts
    assert 0.6 < firsts.count(A) / len(firsts) < 0.73  # 2/3 expected
    again = sampler(decoder, memory, None, BOS, EOS, num_return=600)[0]
    assert [h.tokens for h in again] == [h.tokens for h in drawn]
    assert [h.score for h in drawn] == sorted((h.score for h in drawn), reverse=True)


def test_decoding_stops_at_max_length():
    rows = {BOS: {A: 1.0}, A: {A: 1.0}}
    decoder = MarkovDecoder(table(rows, 8))
    memory = torch.zeros(2, 1, 1)
    for strategy in (GreedySearch(max_length=3), BeamSearch(beam_size=2, max_length=3)):
        result = strategy(decoder, memory, None, BOS, EOS)
        assert result[0][0].tokens == [A, A, A]
        assert not result[0][0].finished


def test_bad_arguments_are_named():
    decoder = _random_decoder()
    memory, mask = _memories()
    with pytest.raises(ValueError, match="max_length 20 is more than the decoder's 12"):
        GreedySearch(max_length=20)(decoder, memory, mask, 2, 3)
    with pytest.raises(ValueError, match="num_return must be between 1 and beam_size 2"):
        BeamSearch(beam_size=2)(decoder, memory, mask, 2, 3, num_return=3)
    with pytest.raises(ValueError, match="top_p must be in"):
        NucleusSampling(top_p=0.0)
