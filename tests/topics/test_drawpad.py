"""The drawing pad of D5: strokes are prepared as MNIST's digits were, a mouse event only records,
and the network reads the whole drawing once per stroke."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.kit import drawpad
from helpers.kit.data import load_mnist, split_validation
from helpers.kit.drawpad import DrawPad, digit_to_strokes, probabilities, strokes_to_input
from helpers.layers import mlp
from helpers.topics import steering

VERTICAL = [[(140, 40), (140, 240)]]


@pytest.fixture(scope="module")
def data():
    return split_validation(load_mnist("sample"), 800, seed=0)


def _reader(data, seed):
    """The network of D5 §5: 784-64-10, 3 epochs of SGD with momentum."""
    model = mlp([784, 64, 10], seed=seed)
    steering.make_trainer(model, data.X_train, data.y_train, seed=seed).run(
        3 * len(data.X_train) // 64)
    return model


@pytest.fixture(scope="module")
def reader(data):
    return _reader(data, 0)


def _centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def test_a_drawing_is_scaled_to_a_20_pixel_box_and_centred_by_mass():
    image = strokes_to_input([[(0, 0), (300, 40)], [(150, 40), (150, 200)]]).reshape(28, 28)
    cols = np.nonzero(image.sum(axis=0) > 0)[0]
    assert cols[-1] - cols[0] + 1 == 20  # the longer side is 20 pixels
    row, col = _centre_of_mass(image)
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5
    assert np.any((image > 0) & (image < 1)) and image.max() == pytest.approx(1.0)  # grey edges
    assert image.dtype == np.float32 and image.min() >= 0


def test_size_and_place_on_the_pad_do_not_matter():
    small = [[(10, 10), (10, 40)], [(5, 20), (15, 20)]]
    big = [[(100 + 4 * x, 50 + 4 * y) for x, y in stroke] for stroke in small]
    np.testing.assert_allclose(strokes_to_input(small), strokes_to_input(big), atol=0.02)


def test_an_empty_drawing_is_an_empty_image():
    assert not strokes_to_input([]).any()


def test_digits_redrawn_as_strokes_are_read_as_the_digits(reader, data):
    X, y = data.X_val[:200], data.y_val[:200]
    right = np.array([probabilities(reader, x).argmax() for x in X]) == y
    redrawn = [strokes_to_input(digit_to_strokes(x)) for x in X[right]]
    agree = np.array([probabilities(reader, x).argmax() for x in redrawn]) == y[right]
    assert agree.mean() >= 0.85, agree.mean()


@pytest.mark.slow
def test_what_section_5_prints_holds_for_seeds_0_to_2(data):
    for seed in (0, 1, 2):
        model = _reader(data, seed)
        assert probabilities(model, strokes_to_input(digit_to_strokes(data.X_val[0]))).argmax() \
            == data.y_val[0] == 7
        assert probabilities(model, strokes_to_input(VERTICAL)).argmax() == 1


def test_the_pad_reads_the_drawing_once_per_stroke(reader, monkeypatch):
    pad = DrawPad(reader)
    assert pad.top.value == "draw a digit" and all(bar.value == 0.1 for bar in pad.bars)
    reads = []
    real = drawpad.probabilities
    monkeypatch.setattr(drawpad, "probabilities", lambda *a: reads.append(1) or real(*a))
    pad.mouse_move(10, 10)  # the mouse passes over the pad, no button: nothing happens
    pad.mouse_down(140, 40)
    for y in range(50, 241, 10):
        pad.mouse_move(140, y)
    assert reads == [] and pad.top.value == "draw a digit"  # moves only record
    pad.mouse_up(140, 240)
    assert reads == [1] and pad.strokes[0][-1] == (140.0, 240.0) and len(pad.strokes[0]) == 21
    assert pad.top.value.startswith("most likely: <b>1</b>") and pad.top.value.endswith("1 stroke")
    assert int(np.argmax([bar.value for bar in pad.bars])) == 1
    assert pad.input_view.value[:4] == b"\x89PNG"
    pad.mouse_up(0, 0)  # a second "up" (the mouse leaving the pad after it): no second read
    assert reads == [1]


def test_leaving_the_pad_ends_the_stroke_and_clear_empties_it(reader):
    pad = DrawPad(reader)
    pad.mouse_down(100, 100)
    pad.mouse_move(150, 150)
    pad.canvas._mouse_out_callbacks(300, 300)  # what ipycanvas calls when the mouse leaves
    assert not pad.drawing and pad.top.value.startswith("most likely")
    pad.mouse_move(200, 200)
    assert len(pad.strokes[0]) == 2  # not drawing any more
    pad.clear_button.click()
    assert pad.strokes == [] and pad.top.value == "draw a digit"


def test_the_pad_names_a_model_that_is_not_an_mnist_classifier():
    with pytest.raises(ValueError, match="784 inputs .* and 10 outputs"):
        DrawPad(mlp([784, 16, 2]))
    with pytest.raises(ValueError, match="MNIST classifier"):
        DrawPad("a network")
