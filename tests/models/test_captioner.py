"""The text decoder's key/value cache and the captioner built on it."""

from __future__ import annotations

import pytest
import torch

from polymodal.data.batch import Padded
from polymodal.encoders import ConvImageEncoder
from polymodal.generation import BeamSearch, GreedySearch
from polymodal.heads.text_decoder import TextDecoder
from polymodal.losses.captioning import caption_lm_loss_from_memory
from polymodal.models.captioner import Captioner


def _decoder(**overrides: object) -> TextDecoder:
    torch.manual_seed(0)
    arguments: dict[str, object] = {
        "vocab_size": 15,
        "dim": 32,
        "num_layers": 2,
        "num_heads": 4,
        "max_length": 16,
        "memory_dim": 24,
        "dropout": 0.0,
    }
    arguments.update(overrides)
    return TextDecoder(**arguments).eval()  # type: ignore[arg-type]


def _memory() -> tuple[torch.Tensor, torch.Tensor]:
    memory = torch.randn(3, 5, 24, generator=torch.Generator().manual_seed(1))
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1, 3:] = False
    return memory, mask


@pytest.mark.parametrize("chunks", [[1] * 7, [4, 3], [2, 1, 4]])
def test_cached_steps_equal_the_full_forward(chunks):
    decoder = _decoder()
    memory, mask = _memory()
    ids = torch.randint(4, 15, (3, 7), generator=torch.Generator().manual_seed(2))
    full = decoder(ids, memory, mask)
    state, pieces, start = decoder.start(memory, mask), [], 0
    for size in chunks:
        logits, state = decoder.step(ids[:, start : start + size], state)
        pieces.append(logits)
        start += size
    assert state.length == 7
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-5, rtol=1e-5)


def test_the_memory_mask_hides_padded_memory_tokens():
    decoder = _decoder()
    memory, mask = _memory()
    ids = torch.randint(4, 15, (3, 4), generator=torch.Generator().manual_seed(2))
    changed = memory.clone()
    changed[1, 3:] = 100.0  # padded positions of row 1
    torch.testing.assert_close(decoder(ids, memory, mask)[1], decoder(ids, changed, mask)[1])
    assert not torch.allclose(decoder(ids, memory, None)[1], decoder(ids, changed, None)[1])


def test_post_ln_layers_cache_too():
    decoder = _decoder()
    for layer in decoder.layers:
        layer.norm_first = False
    memory, mask = _memory()
    ids = torch.randint(4, 15, (3, 5), generator=torch.Generator().manual_seed(2))
    state, pieces = decoder.start(memory, mask), []
    for t in range(5):
        logits, state = decoder.step(ids[:, t : t + 1], state)
        pieces.append(logits)
    torch.testing.assert_close(
        torch.cat(pieces, dim=1), decoder(ids, memory, mask), atol=1e-5, rtol=1e-5
    )


def test_tied_output_uses_the_token_embedding():
    decoder = _decoder()
    assert decoder.output is None
    names = {name for name, _ in decoder.named_parameters()}
    assert "token_embedding.weight" in names and not any(n.startswith("output.") for n in names)
    memory, mask = _memory()
    ids = torch.tensor([[2, 5]])
    hidden_logits = decoder(ids, memory[:1], mask[:1])
    with torch.no_grad():
        decoder.token_embedding.weight[7] += torch.randn(32)  # not a constant: LN output sums to 0
    assert not torch.allclose(decoder(ids, memory[:1], mask[:1])[..., 7], hidden_logits[..., 7])


def test_decoding_past_max_length_is_an_error():
    decoder = _decoder(max_length=4)
    memory, mask = _memory()
    state = decoder.start(memory, mask)
    _, state = decoder.step(torch.full((3, 4), 2), state)
    with pytest.raises(ValueError, match="cannot decode past 4 positions"):
        decoder.step(torch.full((3, 1), 2), state)


def _captioner(image_positions: int = 16) -> Captioner:
    torch.manual_seed(0)
    encoder = ConvImageEncoder(channels=[8, 16], dim=24, norm="group")
    return Captioner(encoder, _decoder(), image_positions=image_positions)


def _batch(captions: list[list[int]]) -> dict[str, object]:
    images = torch.randn(len(captions), 3, 16, 16, generator=torch.Generator().manual_seed(3))
    longest = max(len(c) for c in captions)
    values = torch.tensor([c + [0] * (longest - len(c)) for c in captions])
    mask = torch.tensor([[True] * len(c) + [False] * (longest - len(c)) for c in captions])
    return {"image": images, "caption_ids": Padded(values, mask)}


def test_captioner_teacher_forcing_shapes_and_loss():
    model = _captioner()
    batch = _batch([[2, 5, 6, 3], [2, 7, 3]])
    output = model(batch)
    assert output.logits["caption"].shape == (2, 3, 15)
    assert output.encoded["image"].tokens.shape == (2, 16, 24)
    encoded = model.encode_images(batch)
    captions = batch["caption_ids"]
    assert isinstance(captions, Padded)
    loss = caption_lm_loss_from_memory(
        model.decoder, encoded.tokens, encoded.mask, captions.values, captions.mask
    )
    assert loss.item() == pytest.approx(2.708, abs=0.3)  # about log(15) untrained


def test_shared_images_are_gathered_per_sample():
    model = _captioner().eval()
    batch = _batch([[2, 5, 3], [2, 6, 3], [2, 7, 3]])
    shared = dict(batch)
    shared["image"] = batch["image"][:2]  # type: ignore[index]
    shared["image_index"] = torch.tensor([0, 1, 0])
    repeated = dict(batch)
    repeated["image"] = batch["image"][[0, 1, 0]]  # type: ignore[index]
    torch.testing.assert_close(model(shared).logits["caption"], model(repeated).logits["caption"])


def test_image_positions_make_the_grid_order_matter():
    """Without positions, cross-attention cannot tell a mirrored feature map from the original
    for a decoder (attention is permutation-invariant over the memory); with them it can."""
    batch = _batch([[2, 5, 3]])
    mirrored = dict(batch)
    mirrored["image"] = batch["image"].flip(-1)  # type: ignore[union-attr]
    for positions, differ in ((0, False), (16, True)):
        model = _captioner(positions).eval()
        # An encoder for which mirroring the image permutes its tokens exactly (a CNN is
        # only roughly equivariant), so the test isolates what the positions add.
        model.image_encoder = _PermutingEncoder(model.decoder.memory_dim)
        same = torch.allclose(
            model(batch).logits["caption"], model(mirrored).logits["caption"], atol=1e-5
        )
        assert same != differ


class _PermutingEncoder(torch.nn.Module):
    """Each 4×4 cell's mean colour, projected: mirroring the image permutes the tokens."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.project = torch.nn.Linear(3, dim)

    def forward(self, image: torch.Tensor) -> object:
        from polymodal.encoders.output import EncoderOutput

        cells = torch.nn.functional.avg_pool2d(image, 4).flatten(2).transpose(1, 2)
        tokens = self.project(cells)
        return EncoderOutput(tokens, torch.ones(tokens.shape[:2], dtype=torch.bool), tokens.mean(1))


def test_captioner_learns_two_captions_and_generates_them():
    """Overfitting two images: greedy and beam search then return their captions exactly."""
    model = _captioner()
    batch = _batch([[2, 5, 6, 7, 3], [2, 8, 9, 3]])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    captions = batch["caption_ids"]
    assert isinstance(captions, Padded)
    for _ in range(60):
        encoded = model.encode_images(batch)
        loss = caption_lm_loss_from_memory(
            model.decoder, encoded.tokens, encoded.mask, captions.values, captions.mask
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    images = {"image": batch["image"]}
    for strategy in (GreedySearch(max_length=8), BeamSearch(beam_size=3, max_length=8)):
        generated = model.generate(images, strategy, bos_id=2, eos_id=3)
        assert [g[0].tokens for g in generated] == [[5, 6, 7], [8, 9]]
        assert all(g[0].finished for g in generated)
    assert model.training  # generate() restores the mode it found


def test_memory_width_mismatch_is_named():
    encoder = ConvImageEncoder(channels=[8], dim=20, norm="group")
    model = Captioner(encoder, _decoder())
    with pytest.raises(ValueError, match="20 wide but the decoder's memory_dim is 24"):
        model(_batch([[2, 5, 3]]))
