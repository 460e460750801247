"""Notebook 08a's panel: gradient norms per layer for an activation, a depth and a weight scale."""

import warnings

import numpy as np
import pytest

from helpers.panels import deep as deep_panel
from helpers.panels.deep import compute, make_panel

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")

DEFAULTS = {"activation": "relu", "depth": 10, "init": "pytorch", "seed": 0}


def _extremes(control):
    if hasattr(control, "options"):
        return [control.options[0], control.options[-1]]
    return [control.min, control.max]


@pytest.fixture(scope="module")
def panel():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make_panel()


def _set(panel, **values):
    with panel.hold_refresh():
        for name, value in (DEFAULTS | values).items():
            panel.controls[name].value = value


def test_the_panel_has_four_controls_and_a_first_picture(panel):
    assert set(panel.controls) == set(DEFAULTS)
    assert panel.image.value[:4] == b"\x89PNG"
    assert panel.message_text.startswith("relu, depth 10, PyTorch default")


@pytest.mark.parametrize("name", list(DEFAULTS))
@pytest.mark.parametrize("end", [0, 1], ids=["min", "max"])
def test_every_slider_extreme_gives_a_picture_and_a_plain_message(panel, name, end):
    value = _extremes(panel.controls[name])[end]
    _set(panel, **{name: value})
    state = panel.state
    assert state[name] == value
    assert panel.image.value[:4] == b"\x89PNG"
    assert "Traceback" not in panel.message_text and len(panel.message_text) > 40
    assert len(panel.artists["norms"].get_xdata()) == state["depth"]
    assert np.all(np.isfinite(state["norms"]))


@pytest.mark.parametrize("activation, depth, init, start", [
    ("sigmoid", 20, "pytorch", "sigmoid, depth 20, PyTorch default (std 0.0722 for 64 inputs): "
                               "the gradient vanishes on its way back"),
    ("relu", 20, "he", "relu, depth 20, He (std 0.177 for 64 inputs): level"),
    ("tanh", 20, "glorot", "tanh, depth 20, Glorot (std 0.125 for 64 inputs): level"),
    ("relu", 20, 0.01, "relu, depth 20, std 0.01 (std 0.01 for 64 inputs): every layer's "
                       "gradient is tiny"),
    ("relu", 20, 0.5, "relu, depth 20, std 0.5 (std 0.5 for 64 inputs): every layer's gradient "
                      "is huge"),
])
def test_the_message_names_what_the_gradient_does(activation, depth, init, start):
    state = compute(activation, depth, init)
    assert state["message"].startswith(start), state["message"]


def test_he_keeps_the_ratio_level_where_pytorchs_default_loses_it():
    assert 0.1 < compute("relu", 20, "he")["ratio"] < 10
    assert compute("relu", 20, "pytorch")["ratio"] < 1e-4
    assert compute("relu", 2, "pytorch")["ratio"] > 0.5  # shallow: fine


def test_the_reference_line_is_the_matching_scale(panel):
    _set(panel, activation="tanh", depth=12, init=0.01)
    state = panel.state
    assert np.allclose(panel.artists["reference"].get_ydata(), state["reference"])
    assert np.allclose(state["reference"], compute("tanh", 12, "glorot")["norms"])


def test_the_y_axis_covers_every_point_drawn(panel):
    for init in (0.01, 1.0, "he"):
        _set(panel, activation="relu", depth=20, init=init)
        low, high = panel.artists["ax"].get_ylim()
        drawn = np.concatenate([panel.state["norms"], panel.state["reference"]])
        assert low <= drawn.min() and drawn.max() <= high


def test_sliders_that_recompute_redraw_on_release(panel):
    for name in ("depth", "init", "seed"):
        assert panel.controls[name].continuous_update is False


@pytest.mark.parametrize("kwargs, name", [({"activation": "gelu"}, "activation"),
                                          ({"depth": 1}, "depth"), ({"depth": 21}, "depth"),
                                          ({"init": "xavier"}, "init"), ({"seed": -1}, "seed")])
def test_bad_values_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        compute(**kwargs)


def test_the_batch_is_loaded_once():
    assert deep_panel.panel_batch() is deep_panel.panel_batch()
    X, y = deep_panel.panel_batch()
    assert X.shape == (256, 784) and y.shape == (256,)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("depth", [2, 20])
@pytest.mark.parametrize("init", [deep_panel.SCALES[0], deep_panel.SCALES[-1]])
def test_every_corner_of_the_sliders_gives_a_picture_and_a_sentence(panel, activation, depth,
                                                                     init):
    _set(panel, activation=activation, depth=depth, init=init)
    state = panel.state
    assert panel.image.value[:4] == b"\x89PNG"
    assert state["message"].startswith(f"{activation}, depth {depth}")
    assert state["message"].rstrip().endswith(".") and "nan" not in state["message"]
    assert np.all(np.isfinite(state["norms"])) and np.isfinite(state["ratio"])
    low, high = panel.artists["ax"].get_ylim()
    assert low <= state["norms"].min() and state["norms"].max() <= high


def test_the_legend_sits_outside_the_axes_so_it_hides_no_line(panel):
    legend = panel.artists["ax"].get_legend()
    fig = panel.artists["ax"].figure
    fig.canvas.draw()
    box = legend.get_window_extent()
    axes_box = panel.artists["ax"].get_window_extent()
    assert box.y1 <= axes_box.y0  # entirely below the axes
