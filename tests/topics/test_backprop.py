"""Notebook 05 (backpropagation): the graph's numbers, the cost counts, the graph panel and the
exercise."""

import itertools
import math
import re

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, set_controls

from helpers.exercises import mistakes, run_check
from helpers.gradcheck import numerical_grad
from helpers.layers import linear_layers, mlp
from helpers.losses import MSELoss
from helpers.topics import backprop

E = backprop.EXAMPLE


# ---- section 1's network ----------------------------------------------------------------------

def test_the_graph_holds_the_hand_computation_of_section_one():
    state = backprop.graph_state(x1=1.0, w=0.1, lr=0.5)
    z = E["x"] @ E["W1"] + E["b1"]
    h = 1 / (1 + np.exp(-z))
    y_hat = h @ E["W2"] + E["b2"]
    d_y_hat = 2 * (y_hat - E["y"])
    d_z = (d_y_hat @ E["W2"].T) * h * (1 - h)
    np.testing.assert_allclose(state["values"]["h"], h, rtol=1e-14)
    np.testing.assert_allclose(state["grads"]["z"], d_z, rtol=1e-12)
    np.testing.assert_allclose(state["grads"]["W1"], E["x"].T @ d_z, rtol=1e-12)
    np.testing.assert_allclose(state["grads"]["W2"], h.T @ d_y_hat, rtol=1e-12)
    assert state["dw"] == pytest.approx(1.0 * d_z[0, 0])  # ∂L/∂w = x₁ · ∂L/∂z₁


def test_the_graphs_gradients_agree_with_central_differences():
    state = backprop.graph_state(x1=-1.3, w=0.7, lr=0.0)
    W1 = state["values"]["W1"].copy()

    def loss(W):
        h = 1 / (1 + np.exp(-(state["values"]["x"] @ W + E["b1"])))
        return float(((h @ E["W2"] + E["b2"] - E["y"]) ** 2).mean())

    np.testing.assert_allclose(state["grads"]["W1"], numerical_grad(loss, W1), rtol=1e-7)


def test_one_step_credits_the_drop_to_all_nine_parameters_not_to_w():
    """The old misstatement: L 0.120 → 0.021 comes from stepping all nine parameters;
    moving w alone to 0.1384 gives 0.1172."""
    state = backprop.graph_state(x1=1.0, w=0.1, lr=0.5)
    assert state["w_after"] == pytest.approx(0.1 - 0.5 * state["dw"], rel=1e-15)
    assert round(state["w_after"], 4) == 0.1384
    assert (round(state["L"], 4), round(state["L_all"], 4), round(state["L_w"], 4)) == (
        0.1202, 0.0207, 0.1172)


def test_no_step_at_lr_zero():
    state = backprop.graph_state(x1=2.0, w=-1.0, lr=0.0)
    assert state["L_all"] == state["L_w"] == state["L"] and state["w_after"] == -1.0


# ---- what a gradient costs ----------------------------------------------------------------------

def _counting(model, count):
    """Make every Linear layer of ``model`` add the multiply-adds of its matrix products."""
    for lin in linear_layers(model):
        def forward(X, lin=lin, plain=lin.forward):
            count[0] += X.shape[0] * lin.params["W"].size  # X W
            return plain(X)

        def backward(dY, lin=lin, plain=lin.backward, input_grad=True):
            count[0] += (1 + input_grad) * dY.shape[0] * lin.params["W"].size  # Xᵀ dY, dY Wᵀ
            return plain(dY, input_grad=input_grad)

        lin.forward, lin.backward = forward, backward


@pytest.mark.parametrize("sizes, batch_size", [([5, 4, 3], 7), ([3, 3, 3, 3, 1], 1), ([2, 6], 4)])
def test_the_counts_are_what_backprop_and_finite_differences_really_do(sizes, batch_size):
    rng = np.random.default_rng(1)
    model = mlp(sizes, activation="tanh", dtype=np.float64)
    X, Y = rng.standard_normal((batch_size, sizes[0])), rng.standard_normal((batch_size, sizes[-1]))
    loss_fn, count = MSELoss(), [0]
    _counting(model, count)
    loss_fn.forward(model.forward(X), Y)
    model.backward(loss_fn.backward())
    counted_backprop = count[0]
    count[0] = 0
    for param in model.params.values():
        numerical_grad(lambda _: loss_fn.forward(model.forward(X), Y), param)
    formulas = backprop.gradient_costs(sizes, batch_size)
    assert counted_backprop == formulas["backprop"] == 3 * formulas["forward"]
    assert count[0] == formulas["finite_differences"]
    assert formulas["params"] == sum(p.size for p in model.params.values())


def test_summing_over_the_counted_paths_gives_backprops_gradient():
    """Every (first-layer weight, path to the output) pair, multiplied out: the table's path sum."""
    sizes = [2, 3, 3, 1]
    model = mlp(sizes, activation="tanh", seed=3, dtype=np.float64)
    x = np.array([[0.7, -1.1]])
    model.backward(np.ones_like(model.forward(x)))  # d(output)/d(parameters)
    Ws = [lin.params["W"] for lin in linear_layers(model)]
    slopes = [1 - layer.Y[0] ** 2 for layer in model.layers[1::2]]  # tanh' at every hidden unit
    grad, pairs = np.zeros_like(Ws[0]), 0
    for path in itertools.product(*(range(n) for n in sizes)):  # input, hidden units, output
        factors = [x[0, path[0]]] + [f for layer in range(len(sizes) - 2) for f in (
            slopes[layer][path[layer + 1]], Ws[layer + 1][path[layer + 1], path[layer + 2]])]
        grad[path[0], path[1]] += math.prod(factors)
        pairs += 1
    np.testing.assert_allclose(grad, model.layers[0].grads["W"], rtol=1e-12)
    counts = backprop.gradient_costs(sizes, 1)
    assert counts["paths"] == pairs
    assert counts["path_sum"] == pairs * (2 * (len(sizes) - 1) - 2)  # 2L − 2 products per path


def test_backprop_costs_three_losses_at_any_number_of_parameters_and_grows_with_examples():
    for sizes in ([784, 16, 10], [784, 128, 10], [784, 4096, 10], [100] * 20 + [1]):
        c = backprop.gradient_costs(sizes, 64)
        assert c["backprop"] == 3 * c["forward"]
        assert c["finite_differences"] == 2 * c["params"] * c["forward"]
    small, large = (backprop.gradient_costs([784, 128, 10], n) for n in (64, 60_000))
    assert large["backprop"] * 64 == small["backprop"] * 60_000


def test_text_cs_twenty_layers_the_path_sum_depends_on_the_width():
    ratio = {w: (lambda c: c["path_sum"] / c["backprop"])(backprop.gradient_costs([w] * 20 + [1]))
             for w in (3, 100)}
    assert 2e8 < ratio[3] < 3e8 and 1e35 < ratio[100] < 1e36  # the notebook's 2.5e8 and ~1e35
    assert not 1e7 < ratio[3] < 1e8  # neither is exp(20)/20 ≈ 2.4e7


# ---- the graph panel ----------------------------------------------------------------------------

@pytest.fixture
def panel():
    return backprop.graph_panel()


@pytest.mark.parametrize("x1, w, lr", [(-3.0, -2.0, 0.0), (3.0, 2.0, 3.0), (0.0, 0.1, 0.5),
                                       (-3.0, 2.0, 3.0), (3.0, -2.0, 0.1), (1.0, 0.1, 0.5)])
def test_sliders_at_their_ends_and_between_give_a_message(panel, x1, w, lr):
    set_controls(panel, x1=x1, w=w, lr=lr)
    text = panel.message_text
    assert text.startswith("∂L/∂w = x₁ · ∂L/∂z₁ = ")
    if lr == 0:
        assert "no step" in text
    else:
        assert "all nine parameters" in text and "on w alone" in text
        assert ("overshoots" in text) == (panel.state["L_all"] >= panel.state["L"])
    assert f"{w:.3f}".replace("-", "−") in panel.artists["update"].get_text()


def test_the_panel_shows_both_numbers_of_one_step(panel):
    line = panel.artists["update"].get_text()
    assert "all nine parameters: L 0.120 → 0.021" in line
    assert "w alone (→ 0.138): L → 0.117" in line


def test_at_x1_zero_no_gradient_reaches_w(panel):
    set_controls(panel, x1=0.0)
    assert panel.state["dw"] == 0 and panel.state["L_w"] == panel.state["L"]


def test_a_blitted_frame_equals_a_full_redraw(panel):
    assert_blit_matches_full_redraw(panel, [dict(x1=v) for v in (-3.0, -1.0, 0.0, 2.5, 3.0)]
                                    + [dict(w=v) for v in (-2.0, 0.5, 2.0)]
                                    + [dict(lr=v) for v in (0.0, 1.5, 3.0)])


# ---- the exercise --------------------------------------------------------------------------------

def _two_layer(X, Y, W1, b1, W2, b2, slope=lambda H: 1 - H**2, scale=None, bias=np.sum):
    H = np.tanh(X @ W1 + b1)
    dY_hat = 2 * (H @ W2 + b2 - Y) / (Y.size if scale is None else scale)
    dZ = (dY_hat @ W2.T) * slope(H)
    return X.T @ dZ, bias(dZ, axis=0), H.T @ dY_hat, bias(dY_hat, axis=0)


@pytest.mark.parametrize("key, wrong", [
    ("sigmoid_slope", lambda *a: _two_layer(*a, slope=lambda H: H * (1 - H))),
    ("no_slope", lambda *a: _two_layer(*a, slope=lambda H: 1.0)),
    ("sum", lambda *a: _two_layer(*a, scale=1.0)),
    ("mean_over_rows", lambda X, Y, *p: _two_layer(X, Y, *p, scale=len(Y))),
    ("bias_mean", lambda *a: _two_layer(*a, bias=np.mean)),
])
def test_plausible_wrong_gradients_are_named(key, wrong):
    ok, feedback = run_check("two_layer_grads", wrong)
    assert not ok and feedback == mistakes("two_layer_grads")[key]


def test_bias_gradients_kept_as_rows_are_told_their_shape():
    def keepdims(*args):
        dW1, db1, dW2, db2 = _two_layer(*args)
        return dW1, db1[None, :], dW2, db2[None, :]

    ok, feedback = run_check("two_layer_grads", keepdims)
    assert not ok and "db1 must have shape" in feedback


def test_the_static_graph_writes_the_numbers_the_panel_writes():
    ax = backprop.plot_graph(backprop.graph_state(x1=1.0, w=0.1, lr=0.5))
    texts = [text.get_text() for text in ax.texts]
    assert "[−0.700, −0.600]" in texts and "∂L/∂W1 =" in texts
    assert "[−0.077, 0.095]\n[0.154, −0.190]" in texts
    assert any("all nine parameters: L 0.120 → 0.021" in text for text in texts)



@pytest.mark.parametrize("x1, w", [(3.0, 2.0), (-3.0, -2.0), (1.0, 0.1), (0.0, 0.1)])
def test_the_product_under_the_graph_reads_true_at_the_slider_ends(x1, w):
    # x₁ × ∂L/∂z₁ = ∂L/∂w as printed; at the ends ∂L/∂z₁ is tiny (3.000 × 0.000 = 0.001 is false)
    ax = backprop.plot_graph(backprop.graph_state(x1=x1, w=w, lr=0.5))
    line = next(text.get_text() for text in ax.texts if text.get_text().startswith("w = "))
    number = r"\(?(−?[0-9.]+)\)?"
    found = re.search(rf"∂L/∂z₁ = {number} × {number} = {number}", line)
    a, b, c = (float(group.replace("−", "-")) for group in found.groups())
    assert a * b == pytest.approx(c, rel=0.01, abs=1e-6), line
