"""The shared figure functions draw what they say and return their axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402
from helpers.objectives import Parabola, QuadraticBowl  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_palette_is_okabe_ito():
    assert plots.PALETTE[:3] == ["#000000", "#E69F00", "#56B4E9"]
    assert len(set(plots.COLORS.values()) - set(plots.PALETTE) - {"#999999"}) == 0


def test_curve_path_draws_the_curve_and_every_iterate():
    ax = plots.plot_curve_path(Parabola().f, [-3, 3, -3], label="lr = 1")
    dots = [line for line in ax.lines if line.get_marker() == "o"][0]
    np.testing.assert_array_equal(dots.get_xdata(), [-3, 3, -3])
    np.testing.assert_array_equal(dots.get_ydata(), [9, 9, 9])


def test_functions_draw_on_the_axes_they_are_given():
    _, ax = plt.subplots()
    assert plots.plot_contours(QuadraticBowl(10), ax=ax) is ax
    assert plots.plot_path(np.array([[1.0, 1.0], [0.5, -0.5]]), ax=ax) is ax


def test_loss_curves_accept_bare_arrays_and_x_y_pairs():
    curves = {"gd": [1.0, 0.5, 0.25], "sgd": (np.array([0, 2]), np.array([1.0, 0.3]))}
    ax = plots.plot_loss_curves(curves)
    assert [line.get_label() for line in ax.lines] == ["gd", "sgd"]
    assert ax.get_yscale() == "log"


def test_digits_are_tiled_into_one_image_with_their_labels():
    images = np.random.default_rng(0).random((12, 784))
    ax = plots.show_digits(images, labels=np.arange(12) % 10, ncols=6)
    assert ax.images[0].get_array().shape == (2 * 30, 6 * 30)
    assert [t.get_text() for t in ax.texts][:3] == ["0", "1", "2"]


def test_wrong_predictions_show_the_true_label_too():
    images = np.zeros((2, 28, 28))
    ax = plots.show_digits(images, labels=[3, 5], predictions=[3, 8])
    assert [t.get_text() for t in ax.texts] == ["3", "8 (5)"]


def test_figure_png_gives_png_bytes():
    fig, _ = plt.subplots()
    assert plots.figure_png(fig).startswith(b"\x89PNG")
