"""Notebook 04a's graph panel (helpers.panels.backprop_graph), driven as a learner would."""

import numpy as np
import pytest

from helpers.figures import backprop_graph as graph_figures
from helpers.lab import backprop_graph as graph
from helpers.layers import Linear, Sequential, Sigmoid
from helpers.losses import MSELoss
from helpers.panels import backprop_graph as panel_module

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def panel():
    return panel_module.make_panel()


def test_the_graph_numbers_are_section_ones_hand_computation():
    e = graph.EXAMPLE
    state = graph.graph_state(**e)
    z = e["x"] @ e["W1"] + e["b1"]
    h = 1 / (1 + np.exp(-z))
    y_hat = h @ e["W2"] + e["b2"]
    d_y_hat = 2 * (y_hat - e["y"])
    d_h = d_y_hat @ e["W2"].T
    d_z = d_h * h * (1 - h)
    expected = {"z": z, "h": h, "y_hat": y_hat, "d_y_hat": d_y_hat, "d_h": d_h, "d_z": d_z,
                "d_W1": e["x"].T @ d_z, "d_W2": h.T @ d_y_hat, "d_x": d_z @ e["W1"].T}
    for node in ("z", "h", "y_hat"):
        np.testing.assert_allclose(state["values"][node], expected[node], rtol=1e-14)
    for node in ("y_hat", "h", "z", "W1", "W2", "x"):
        np.testing.assert_allclose(state["grads"][node], expected["d_" + node], rtol=1e-12)
    assert float(state["values"]["L"]) == pytest.approx(float((y_hat - e["y"])[0, 0] ** 2))


def test_the_graph_matches_the_packages_backprop():
    e = graph.EXAMPLE
    model = Sequential(Linear(2, 2, dtype=np.float64), Sigmoid(), Linear(2, 1, dtype=np.float64))
    for name, key in zip(("0.W", "0.b", "2.W", "2.b"), ("W1", "b1", "W2", "b2")):
        model.params[name][...] = e[key]
    loss_fn = MSELoss()
    loss_fn.forward(model.forward(e["x"]), e["y"])
    model.backward(loss_fn.backward())
    state = graph.graph_state(**e)
    for name, key in zip(("0.W", "0.b", "2.W", "2.b"), ("W1", "b1", "W2", "b2")):
        assert np.array_equal(state["grads"][key], model.grads[name])


def test_one_update_is_minus_lr_times_the_gradient_and_a_small_step_lowers_the_loss():
    state = graph.example_state(x1=1.0, w=0.1, lr=0.5)
    assert state["w_after"] == pytest.approx(0.1 - 0.5 * state["dw"], rel=1e-15)
    assert state["after"]["L"] < float(state["values"]["L"])
    assert state["dw"] == pytest.approx(1.0 * float(state["grads"]["z"][0, 0]))  # x₁ · ∂L/∂z₁


@pytest.mark.parametrize("x1, w, lr", [(-3.0, -2.0, 0.0), (3.0, 2.0, 3.0), (0.0, 0.1, 0.5),
                                       (-3.0, 2.0, 3.0), (3.0, -2.0, 0.0)])
def test_sliders_at_their_ends_give_a_figure_and_a_message(panel, x1, w, lr):
    with panel.hold_refresh():
        panel.controls["x1"].value = x1
        panel.controls["w"].value = w
        panel.controls["lr"].value = lr
    assert bytes(panel.image.value).startswith(PNG_SIGNATURE)
    assert panel.state["w"] == w and panel.state["lr"] == lr
    text = panel.message_text
    assert "∂L/∂w = x₁ · ∂L/∂z₁" in text
    assert ("no update" in text) if lr == 0 else ("L falls" in text or "L rises" in text)
    written = panel.artists["update"].get_text()
    assert f"{w:.3f}".replace("-", "−") in written


def test_moving_the_weight_changes_the_numbers_on_the_graph(panel):
    before = panel.artists["grads"]["W1"].get_text()
    panel.controls["w"].value = -1.5
    assert panel.artists["grads"]["W1"].get_text() != before
    assert panel.artists["values"]["W1"].get_text().startswith("[−1.500")


def test_a_large_step_overshoots_and_says_so(panel):
    with panel.hold_refresh():
        panel.controls["x1"].value = -3.0
        panel.controls["w"].value = -1.5
        panel.controls["lr"].value = 2.0
    assert "overshoots" in panel.message_text
    assert panel.state["after"]["L"] > float(panel.state["values"]["L"])


def test_the_static_figure_draws():
    import matplotlib.pyplot as plt

    fig = graph_figures.plot_graph(graph.example_state())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("∂L/∂W1") for t in texts)
    plt.close("all")
