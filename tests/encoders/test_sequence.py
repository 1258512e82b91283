import pytest
import torch

from polymodal.data.batch import pad_sequences
from polymodal.encoders import FeatureSequenceEncoder


@pytest.mark.parametrize("kernel_size", [1, 3])
@pytest.mark.parametrize("position", ["sinusoidal", "learned"])
def test_padding_changes_nothing(kernel_size, position):
    torch.manual_seed(0)
    encoder = FeatureSequenceEncoder(
        input_dim=5, dim=8, num_layers=2, num_heads=2, kernel_size=kernel_size, position=position
    ).eval()
    short, long = torch.randn(3, 5), torch.randn(7, 5)
    alone = encoder(pad_sequences([short]))
    # The padding holds garbage, not zeros: the encoder must not read it.
    padded_input = pad_sequences([short, long])
    padded_input.values[0, 3:] = 100.0
    padded = encoder(padded_input)
    torch.testing.assert_close(padded.tokens[0, :3], alone.tokens[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(padded.pooled[0], alone.pooled[0], rtol=0, atol=1e-5)
    assert padded.tokens.shape == (2, 7, 8) and padded.mask[0].sum() == 3


def test_last_pooling_and_unpadded_input():
    torch.manual_seed(0)
    encoder = FeatureSequenceEncoder(input_dim=4, dim=8, num_heads=2, pooling="last").eval()
    batch = pad_sequences([torch.randn(2, 4), torch.randn(5, 4)])
    output = encoder(batch)
    torch.testing.assert_close(output.pooled[0], output.tokens[0, 1])
    torch.testing.assert_close(output.pooled[1], output.tokens[1, 4])
    plain = encoder(torch.randn(3, 6, 4))
    assert plain.mask.all() and plain.tokens.shape == (3, 6, 8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        FeatureSequenceEncoder(input_dim=4, kernel_size=2)
    with pytest.raises(ValueError, match="position must be one of"):
        FeatureSequenceEncoder(input_dim=4, position="rotary")
    encoder = FeatureSequenceEncoder(input_dim=4, dim=8, num_heads=2)
    with pytest.raises(
        ValueError, match=r"expected features of shape \(B, T, 4\), got \(1, 3, 5\)"
    ):
        encoder(torch.randn(1, 3, 5))
