"""InkCentroids: where the content around each cell lies, to a fraction of a pixel."""

from __future__ import annotations

import torch

from polymodal.encoders import ConvImageEncoder
from polymodal.encoders.ink_centroids import InkCentroids


def _white_with_square(size: int, x: int, y: int, half: int = 5) -> torch.Tensor:
    """(1, 3, size, size) in [-1, 1]: white, with a red square centred on pixel (x, y)."""
    image = torch.ones(1, 3, size, size)
    image[0, 1:, y - half : y + half + 1, x - half : x + half + 1] = -1.0
    return image


def _pixel_to_unit(pixel: float, size: int) -> float:
    return -1.0 + 2.0 * pixel / (size - 1)


def _sharp() -> InkCentroids:
    centroids = InkCentroids()
    with torch.no_grad():  # ink 1 for the square, ~0 for white
        centroids.ink.weight.fill_(-20.0)
        centroids.ink.bias.fill_(40.0)
    return centroids


def test_the_cells_around_an_object_hold_its_centre_to_a_fraction_of_a_pixel():
    image = _white_with_square(75, x=31, y=41)
    places = _sharp()(image, (10, 10))[0]  # (2, 10, 10); cell i's window is centred on 8i
    assert places.shape == (2, 10, 10)
    expected = torch.tensor([_pixel_to_unit(31, 75), _pixel_to_unit(41, 75)])
    # Cell (row 5, column 4) is centred on pixel (32, 40): its window holds the whole square.
    torch.testing.assert_close(places[:, 5, 4], expected, atol=1e-4, rtol=0)
    # A window with no ink gives the window's own centre, pixel (8, 8) for cell (1, 1).
    torch.testing.assert_close(places[:, 1, 1], torch.full((2,), _pixel_to_unit(8, 75)))


def test_the_default_ink_marks_colour_on_white_and_learns():
    centroids = InkCentroids()
    image = _white_with_square(75, x=34, y=38)  # 2 pixels off cell (5, 4)'s centre (32, 40)
    places = centroids(image, (10, 10))[0]
    cell_centre = torch.tensor([_pixel_to_unit(32, 75), _pixel_to_unit(40, 75)])
    target = torch.tensor([_pixel_to_unit(34, 75), _pixel_to_unit(38, 75)])
    # Pulled most of the way from the cell's centre to the square's.
    assert (places[:, 5, 4] - target).abs().max() < 0.3 * (cell_centre - target).abs().max()
    places.sum().backward()
    assert centroids.ink.weight.grad is not None and centroids.ink.weight.grad.abs().sum() > 0


def test_an_encoder_with_centroids_appends_them_to_its_cells():
    encoder = ConvImageEncoder(
        channels=[4, 4, 4], dim=5, downsample="stride", cell_coordinates=True,
        cell_centroids=True, cell_radius=True,
    )  # fmt: skip
    assert encoder.project.in_features == 4 + 3
    image = _white_with_square(75, x=31, y=41)
    places = encoder._cell_places(image, torch.zeros(1, 4, 10, 10))[0]
    torch.testing.assert_close(places[:2], encoder.centroids(image, (10, 10))[0])
    torch.testing.assert_close(places[2], places[0] ** 2 + places[1] ** 2)
    assert encoder(image).tokens.shape == (1, 100, 5)
    # Max-pooling rounds the map down (32 → 4 after three blocks of 2): centroids follow.
    pooled = ConvImageEncoder(channels=[4, 4, 4], dim=5, cell_coordinates=True, cell_centroids=True)
    assert pooled(torch.rand(2, 3, 37, 37)).tokens.shape == (2, 16, 5)
