import math

import pytest
import torch

from polymodal.modules import (
    FeedForward,
    LearnedPatchPositionEmbedding,
    LearnedPositionEmbedding,
    ModalityTypeEmbedding,
    PatchEmbedding,
    SinusoidalPatchPositionEmbedding,
    SinusoidalPositionEmbedding,
    activation_function,
    last_real,
    masked_mean,
    sinusoidal_table,
)


def test_sinusoidal_golden_values():
    table = SinusoidalPositionEmbedding(4)(3)
    # Frequencies 1 and 10000^(-2/4) = 0.01; sin and cos interleaved.
    expected = torch.tensor(
        [
            [0.0, 1.0, 0.0, 1.0],
            [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)],
            [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)],
        ]
    )
    torch.testing.assert_close(table, expected)
    with pytest.raises(ValueError, match="even width, got 5"):
        SinusoidalPositionEmbedding(5)


def test_sinusoidal_grid_golden_values():
    grid = SinusoidalPatchPositionEmbedding(8)(2, 3)
    assert grid.shape == (6, 8)
    rows, columns = sinusoidal_table(2, 4), sinusoidal_table(3, 4)
    # Patch (1, 2) is the sixth in row-major order: row 1's code, then column 2's.
    torch.testing.assert_close(grid[5], torch.cat([rows[1], columns[2]]))
    torch.testing.assert_close(grid[1], torch.cat([rows[0], columns[1]]))
    with pytest.raises(ValueError, match="divisible by 4, got 6"):
        SinusoidalPatchPositionEmbedding(6)


def test_learned_positions():
    positions = LearnedPositionEmbedding(4, 3)
    assert torch.equal(positions(2), positions.weight[:2])
    with pytest.raises(ValueError, match="length 5 is longer than the 4 positions"):
        positions(5)


def test_patch_positions_interpolate_to_other_grids():
    positions = LearnedPatchPositionEmbedding((2, 2), 4, num_prefix_tokens=1)
    assert positions(2, 2) is positions.weight
    resized = positions(3, 4)
    assert resized.shape == (1, 1 + 12, 4)
    assert torch.equal(resized[:, 0], positions.weight[:, 0])  # CLS position untouched
    # A constant grid stays constant under bicubic resizing.
    with torch.no_grad():
        positions.weight[:, 1:] = 0.5
    torch.testing.assert_close(positions(3, 4)[:, 1:], torch.full((1, 12, 4), 0.5))


def test_patch_embedding_is_row_major_and_checks_sizes():
    torch.manual_seed(0)
    embedding = PatchEmbedding(patch_size=2, in_channels=1, dim=3)
    image = torch.randn(1, 1, 4, 6)
    tokens = embedding(image)
    assert tokens.shape == (1, 2 * 3, 3)
    # Token 4 is patch (row 1, column 1): pixels rows 2–3, columns 2–3.
    patch = image[0, 0, 2:4, 2:4].reshape(-1)
    expected = embedding.projection.weight.reshape(3, -1) @ patch + embedding.projection.bias
    torch.testing.assert_close(tokens[0, 4], expected)
    with pytest.raises(ValueError, match=r"image size 5×6 is not divisible by the patch size 2"):
        embedding(torch.randn(1, 1, 5, 6))
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        embedding(torch.randn(1, 3, 4, 4))


def test_modality_type_embedding_adds_its_row():
    types = ModalityTypeEmbedding(2, 3)
    tokens = torch.zeros(1, 2, 3)
    torch.testing.assert_close(types(tokens, 1), types.weight[1].expand(1, 2, 3))
    with pytest.raises(IndexError, match="type 2 out of range: 2 types"):
        types(tokens, 2)


def test_pooling_honours_the_mask():
    tokens = torch.tensor([[[1.0], [3.0], [100.0]], [[2.0], [4.0], [6.0]]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    torch.testing.assert_close(masked_mean(tokens, mask), torch.tensor([[2.0], [4.0]]))
    torch.testing.assert_close(last_real(tokens, mask), torch.tensor([[3.0], [6.0]]))
    torch.testing.assert_close(last_real(tokens, None), torch.tensor([[100.0], [6.0]]))


def test_feed_forward_and_activations():
    torch.manual_seed(0)
    block = FeedForward(3, 5, activation="relu")
    x = torch.randn(2, 3)
    expected = block.fc2(torch.relu(block.fc1(x)))
    torch.testing.assert_close(block(x), expected)
    assert activation_function("gelu")(torch.tensor(1.0)).item() == pytest.approx(0.8413447)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation_function("swish")
