import pytest
import torch

from polymodal.data.batch import pad_sequences
from polymodal.encoders import (
    BagOfWordsEncoder,
    ConvImageEncoder,
    GRUTextEncoder,
    VectorEncoder,
)
from polymodal.encoders.coordinates import coordinate_channels


def test_conv_image_encoder_shapes():
    encoder = ConvImageEncoder(channels=[4, 8, 8], dim=6)
    out = encoder(torch.randn(2, 3, 32, 24))
    assert out.tokens.shape == (2, 4 * 3, 6)
    assert out.pooled.shape == (2, 6) and out.mask.all()
    torch.testing.assert_close(out.pooled, out.tokens.amax(dim=1))


def test_strided_conv_encoder_halves_rounding_up_like_the_relation_network_cnn():
    encoder = ConvImageEncoder(channels=[24, 24, 24, 24], dim=24, downsample="stride")
    assert encoder(torch.randn(2, 3, 75, 75)).tokens.shape == (2, 5 * 5, 24)  # 75→38→19→10→5
    convolutions = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(c.stride == (2, 2) for c in convolutions)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in encoder.modules())


def test_downsampling_per_block_keeps_a_finer_map_with_a_wider_view():
    encoder = ConvImageEncoder(channels=[4, 4, 4], dim=4, downsample=["stride", "stride", "none"])
    assert encoder(torch.randn(2, 3, 75, 75)).tokens.shape == (2, 19 * 19, 4)  # 75→38→19→19
    strides = [m.stride for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert strides == [(2, 2), (2, 2), (1, 1)]
    with pytest.raises(ValueError, match="names 2 blocks, channels 3"):
        ConvImageEncoder(channels=[4, 4, 4], downsample=["stride", "none"])
    with pytest.raises(ValueError, match="downsample must be one of"):
        ConvImageEncoder(channels=[4], downsample=["avg"])


def test_coordinate_channels_let_a_convolution_see_position():
    image = torch.zeros(1, 3, 5, 7)
    with_grid = coordinate_channels(image)
    assert with_grid.shape == (1, 5, 5, 7)
    torch.testing.assert_close(with_grid[0, 3, 0], torch.linspace(-1, 1, 7))  # x along a row
    torch.testing.assert_close(with_grid[0, 4, :, 0], torch.linspace(-1, 1, 5))  # y down
    encoder = ConvImageEncoder(channels=[4], dim=4, coordinates=True)
    assert encoder.blocks[0][0].in_channels == 5
    # A blank image gives different tokens in different places only with coordinates.
    tokens = encoder(torch.zeros(1, 3, 8, 8)).tokens[0]
    assert not torch.allclose(tokens[0], tokens[-1])
    plain = ConvImageEncoder(channels=[4], dim=4, norm="none")
    torch.nn.init.zeros_(plain.blocks[0][0].bias)
    assert torch.allclose(*plain(torch.zeros(1, 3, 8, 8)).tokens[0, [5, 10]])


def test_cell_coordinates_make_each_token_say_where_its_cell_is():
    encoder = ConvImageEncoder(channels=[4], dim=3, norm="none", cell_coordinates=True)
    assert encoder.project.in_features == 6
    torch.nn.init.zeros_(encoder.blocks[0][0].weight)
    torch.nn.init.zeros_(encoder.blocks[0][0].bias)  # the features are all zero...
    tokens = encoder(torch.rand(1, 3, 8, 8)).tokens[0]  # (16, 3): a 4×4 grid
    weight = encoder.project.weight[:, 4:]  # ...so a token is the projection of (x, y)
    grid = torch.linspace(-1, 1, 4)
    expected = torch.stack([grid.repeat(4), grid.repeat_interleave(4)], dim=1)  # row by row
    torch.testing.assert_close(tokens, expected @ weight.T + encoder.project.bias)


def test_cell_radius_lets_a_dot_product_be_a_squared_distance():
    with pytest.raises(ValueError, match="needs cell_coordinates"):
        ConvImageEncoder(channels=[4], cell_radius=True)
    encoder = ConvImageEncoder(
        channels=[4], dim=3, norm="none", cell_coordinates=True, cell_radius=True
    )
    assert encoder.project.in_features == 4 + 3
    x, y, radius = encoder._cell_places(torch.zeros(1, 3, 8, 8), torch.zeros(1, 4, 4, 4))[0]
    x, y, radius = x.flatten(), y.flatten(), radius.flatten()  # (16,) each, row by row
    torch.testing.assert_close(x, torch.linspace(-1, 1, 4).repeat(4))
    torch.testing.assert_close(radius, x**2 + y**2)
    # The query (2a_x, 2a_y, -1) against a cell's (x, y, x² + y²) gives |a|² - |a - c|²: the
    # highest score is the cell closest to a, whichever direction it lies in.
    anchor = torch.tensor([0.2, -0.3])
    scores = torch.stack([x, y, radius], dim=1) @ torch.tensor([*(2 * anchor), -1.0])
    distances = ((torch.stack([x, y], dim=1) - anchor) ** 2).sum(dim=1)
    torch.testing.assert_close(scores, anchor.square().sum() - distances)


def _ids(*rows):
    return pad_sequences([torch.tensor(r) for r in rows])


def test_gru_encoding_ignores_padding():
    torch.manual_seed(0)
    for bidirectional in (False, True):
        encoder = GRUTextEncoder(vocab_size=10, dim=8, embed_dim=4, bidirectional=bidirectional)
        alone = encoder(_ids([3, 4, 5]))
        padded = encoder(_ids([3, 4, 5], [1, 2, 3, 4, 5, 6, 7]))
        torch.testing.assert_close(alone.pooled[0], padded.pooled[0])
        torch.testing.assert_close(alone.tokens[0], padded.tokens[0, :3])
        assert padded.tokens.shape == (2, 7, 8)


def test_bag_of_words_ignores_padding_and_order():
    torch.manual_seed(0)
    encoder = BagOfWordsEncoder(vocab_size=10, dim=4)
    a = encoder(_ids([3, 4]))
    b = encoder(_ids([4, 3], [1, 2, 3, 4, 5]))
    torch.testing.assert_close(a.pooled[0], b.pooled[0])


def test_vector_encoder_is_one_token_and_checks_the_width():
    encoder = VectorEncoder(11, dim=16, hidden_dims=[32])
    assert sum(p.numel() for p in encoder.parameters()) == 11 * 32 + 32 + 32 * 16 + 16
    output = encoder(torch.eye(11)[:4])
    assert output.tokens.shape == (4, 1, 16) and output.mask.all()
    torch.testing.assert_close(output.tokens[:, 0], output.pooled)
    # Different one-hot codes give different encodings.
    assert torch.cdist(output.pooled, output.pooled).triu(1)[0, 1:].min() > 0
    with pytest.raises(ValueError, match=r"\(B, 11\)"):
        encoder(torch.zeros(4, 10))
