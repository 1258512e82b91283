import torch

from polymodal.data.batch import pad_sequences
from polymodal.encoders import BagOfWordsEncoder, ConvImageEncoder, GRUTextEncoder


def test_conv_image_encoder_shapes():
    encoder = ConvImageEncoder(channels=[4, 8, 8], dim=6)
    out = encoder(torch.randn(2, 3, 32, 24))
    assert out.tokens.shape == (2, 4 * 3, 6)
    assert out.pooled.shape == (2, 6) and out.mask.all()
    torch.testing.assert_close(out.pooled, out.tokens.amax(dim=1))


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
