"""The drawing pipeline prepares strokes as MNIST's digits were, and the pad shows the result."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import load_mnist
from helpers.diagnostics import predict_proba
from helpers.drawpad import DrawPad, center_of_mass, digit_to_strokes, quick_model, strokes_to_input


@pytest.fixture(scope="module")
def model():
    return quick_model()


@pytest.fixture(scope="module")
def test_digits():
    data = load_mnist("sample", verbose=False)
    return data.X_test[:200], data.y_test[:200]


def test_a_drawing_is_scaled_to_a_20_pixel_box_and_centred_by_mass():
    strokes = [[(0, 0), (300, 40)], [(150, 40), (150, 200)]]  # a "T", wider than tall
    image = strokes_to_input(strokes).reshape(28, 28)
    cols = np.nonzero(image.sum(axis=0) > 0)[0]
    assert cols[-1] - cols[0] + 1 == 20  # the longer side is 20 pixels
    row, col = center_of_mass(image)
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5
    assert np.mean((image > 0) & (image < 1)) > 0  # grey edges (anti-aliasing) ...
    assert image.max() == pytest.approx(1.0)  # ... around full ink


def test_size_and_place_on_the_pad_do_not_matter():
    small = [[(10, 10), (10, 40)], [(5, 20), (15, 20)]]
    big = [[(100 + 4 * x, 50 + 4 * y) for x, y in stroke] for stroke in small]
    np.testing.assert_allclose(strokes_to_input(small), strokes_to_input(big), atol=0.02)


def test_known_digits_drawn_back_as_strokes_are_recognised(model, test_digits):
    X, y = test_digits
    right = predict_proba(model, X).argmax(axis=1) == y
    redrawn = np.array([strokes_to_input(digit_to_strokes(x)) for x in X[right]])
    agree = predict_proba(model, redrawn).argmax(axis=1) == y[right]
    assert agree.mean() >= 0.85, agree.mean()
    assert agree[:5].all()


def test_a_vertical_stroke_is_a_one(model):
    probs = predict_proba(model, strokes_to_input([[(140, 40), (140, 240)]])[None, :])[0]
    assert probs.argmax() == 1


def test_the_pad_updates_its_bars_while_drawing_and_clears(model):
    pad = DrawPad(model, update_every=0.0)
    assert pad.top.value == "draw a digit" and all(bar.value == 0.1 for bar in pad.bars)
    for y in range(40, 241, 20):
        pad.add_point(140, y)
    pad.end_stroke()
    values = [bar.value for bar in pad.bars]
    assert int(np.argmax(values)) == 1 and "most likely: <b>1</b>" in pad.top.value
    assert pad.input_view.value[:4] == b"\x89PNG"
    pad.clear_button.click()
    assert pad.strokes == [] and pad.top.value == "draw a digit"


def test_a_pad_without_a_model_trains_one_and_says_so():
    pad = DrawPad()
    assert "trained now" in pad.children[0].value
