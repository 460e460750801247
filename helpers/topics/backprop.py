"""Notebook 05: backpropagation on a network small enough to follow, and what one gradient costs.

Measurements: section 1's 2-2-1 network with every value and gradient on it (``graph_state``,
computed by ``helpers.layers``), and the multiply-adds of one loss and one gradient of an MLP
(``gradient_costs``). Figures: the computational graph (``graph_artists``, ``draw_graph``,
``plot_graph``). The panel: ``graph_panel`` (the input x₁, the weight w = W1[0, 0], the learning
rate of one SGD step).

    x ─┐
    W1 ├─> z = x W1 + b1 ──> h = σ(z) ──> ŷ = h W2 + b2 ──> L = (ŷ − y)²
    b1 ┘                                  W2, b2 ┘            y ┘
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.kit.checks import check_int, check_number
from helpers.kit.plots import COLORS
from helpers.kit.widgets import Panel, float_slider
from helpers.layers import Linear, Sequential, Sigmoid
from helpers.losses import MSELoss
from helpers.optim import SGD

# ---- measurements --------------------------------------------------------------------------

# section 1: one example with two features, two sigmoid units, one output: nine parameters
EXAMPLE = {
    "x": np.array([[1.0, -2.0]]),
    "y": np.array([[0.5]]),
    "W1": np.array([[0.1, -0.3], [0.4, 0.2]]),
    "b1": np.array([0.0, 0.1]),
    "W2": np.array([[0.5], [-0.6]]),
    "b2": np.array([0.2]),
}
KEYS = {"W1": "0.W", "b1": "0.b", "W2": "2.W", "b2": "2.b"}  # section 1's names -> the model's


def example_network(W1, b1, W2, b2) -> Sequential:
    """Section 1's network in float64, Linear(2, 2) → Sigmoid → Linear(2, 1), with these weights."""
    model = Sequential(Linear(2, 2, dtype=np.float64), Sigmoid(), Linear(2, 1, dtype=np.float64))
    for name, value in zip(KEYS.values(), (W1, b1, W2, b2)):
        model.params[name][...] = value
    return model


def graph_state(x1: float = 1.0, w: float = 0.1, lr: float = 0.5) -> dict:
    """Every value and gradient of section 1's network with x[0, 0] = x1 and W1[0, 0] = w, and
    what one SGD step of ``lr`` (>= 0) does to the loss.

    Returns {"values": {node: array}, "grads": {node: ∂L/∂node} (shapes as the nodes), "w",
    "dw" (∂L/∂w), "w_after" (w − lr·dw), "L", "L_all" (the loss after stepping all nine
    parameters), "L_w" (after moving w alone), "lr"}.
    """
    x, W1 = EXAMPLE["x"].copy(), EXAMPLE["W1"].copy()
    x[0, 0], W1[0, 0] = x1, w
    model, loss_fn = example_network(W1, EXAMPLE["b1"], EXAMPLE["W2"], EXAMPLE["b2"]), MSELoss()
    first, sigmoid, second = model.layers
    z = first.forward(x)  # forward: every layer keeps what its backward needs
    h = sigmoid.forward(z)
    y_hat = second.forward(h)
    loss = loss_fn.forward(y_hat, EXAMPLE["y"])
    d_y_hat = loss_fn.backward()  # backward: one layer at a time, each gradient kept
    d_h = second.backward(d_y_hat)
    d_z = sigmoid.backward(d_h)
    d_x = first.backward(d_z)
    values = {"x": x, "W1": W1, "b1": EXAMPLE["b1"], "z": z, "h": h, "W2": EXAMPLE["W2"],
              "b2": EXAMPLE["b2"], "y_hat": y_hat, "y": EXAMPLE["y"], "L": np.array(loss)}
    grads = {"x": d_x, "z": d_z, "h": d_h, "y_hat": d_y_hat, "L": np.array(1.0),
             **{name: model.grads[key].copy() for name, key in KEYS.items()}}
    dw = float(grads["W1"][0, 0])
    loss_w = loss_all = loss
    if lr > 0:
        first.params["W"][0, 0] = w - lr * dw  # w alone moves
        loss_w = loss_fn.forward(model.forward(x), EXAMPLE["y"])
        first.params["W"][0, 0] = w
        SGD(model.parameters(), lr=lr).step()  # all nine parameters move: the optimizer's job
        loss_all = loss_fn.forward(model.forward(x), EXAMPLE["y"])
    return {"values": values, "grads": grads, "w": w, "dw": dw, "w_after": w - lr * dw,
            "L": loss, "L_all": loss_all, "L_w": loss_w, "lr": lr}


def gradient_costs(sizes, batch_size: int = 1) -> dict:
    """Multiply-adds in the matrix products of one loss and of one gradient of an MLP.

    sizes: the widths [n_in, ..., n_out] (L = len(sizes) − 1 Linear layers); batch_size: the
    examples N the loss is a mean over. Returns Python ints (exact at any size):
    "params" P; "forward" = N Σ n_in·n_out (one loss); "backprop" = 3 × forward (per layer,
    dW = Aᵀ dZ and dA = dZ Wᵀ are each as large as A W); "finite_differences" = 2P × forward;
    "paths" = N·Π sizes (first-layer weight, path to an output) pairs; "path_sum" = paths ×
    (2L − 2) multiplications, each path multiplied out on its own.
    """
    sizes = [check_int(f"sizes[{i}]", n, low=1) for i, n in enumerate(sizes)]
    batch_size = check_int("batch_size", batch_size, low=1)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = batch_size * sum(n_in * n_out for n_in, n_out in pairs)  # Z = A W per layer
    params = sum((n_in + 1) * n_out for n_in, n_out in pairs)  # weights and biases
    paths = batch_size * math.prod(sizes)
    return {"params": params, "forward": forward, "backprop": 3 * forward,
            "finite_differences": 2 * params * forward, "paths": paths,
            "path_sum": paths * (2 * len(pairs) - 2)}


# ---- figures -------------------------------------------------------------------------------

FIGSIZE = (12.0, 5.0)
NODES = {  # node: (x, y) centre, the operation written above its value
    "x": ((0.9, 1.5), "input x"), "W1": ((2.2, 4.0), "weights W1"),
    "b1": ((4.3, 4.0), "bias b1"), "z": ((4.3, 1.5), "z = x W1 + b1"),
    "h": ((6.7, 1.5), "h = σ(z)"), "W2": ((7.9, 4.0), "weights W2"),
    "b2": ((9.4, 4.0), "bias b2"), "y_hat": ((9.4, 1.5), "ŷ = h W2 + b2"),
    "y": ((11.3, 4.0), "target y"), "L": ((11.3, 1.5), "L = (ŷ − y)²"),
}
HALF_WIDTH = {"x": 0.8, "z": 0.8, "h": 0.7, "y_hat": 0.35, "L": 0.35}  # boxes along the chain
EDGES = [("x", "z"), ("W1", "z"), ("b1", "z"), ("z", "h"), ("h", "y_hat"), ("W2", "y_hat"),
         ("b2", "y_hat"), ("y_hat", "L"), ("y", "L")]  # ∂L/∂(from) travels back along each
LABEL_OFFSET = {("x", "z"): (0.0, -0.55), ("z", "h"): (0.0, -0.55), ("h", "y_hat"): (0.0, -0.55),
                ("y_hat", "L"): (0.0, -0.55), ("W1", "z"): (-0.95, -0.1),
                ("b1", "z"): (0.75, 0.0), ("W2", "y_hat"): (-0.7, 0.0),
                ("b2", "y_hat"): (0.7, 0.0)}  # where each edge's gradient is written


GRAD_NAMES = {"y_hat": "ŷ"}  # how a node is written in its gradient's label


def _number(value: float) -> str:
    return f"{value:.3f}".replace("-", "−")


def _significant(value: float) -> str:
    """3 decimals, or 3 significant digits when smaller than 0.01 (0.000312, not 0.000): the
    numbers of a product, so that it still reads true."""
    return _number(value) if value == 0 or abs(value) >= 0.01 else f"{value:.3g}".replace("-", "−")


def _format(value) -> str:
    """0.153, [0.332, 0.354], or one line per matrix row."""
    array = np.atleast_2d(np.asarray(value, dtype=float))
    return "\n".join("[" + ", ".join(_number(v) for v in row) + "]" if row.size > 1
                     else _number(row[0]) for row in array)


def graph_artists(ax, *, animated: bool = False) -> dict:
    """Draw the graph's boxes and arrows on ``ax``; return its empty texts, by role.

    {"values": {node: text}, "grads": {node: text}, "update": the line under the graph};
    animated=True makes them animated artists (a blitting panel).
    """
    ax.set_xlim(0, 12.2)
    ax.set_ylim(-0.5, 5.0)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": "0.35", "lw": 1.2}
    artists = {"values": {}, "grads": {}}
    for node, ((cx, cy), title) in NODES.items():
        ax.text(cx, cy + 0.42, title, ha="center", va="bottom", fontsize=10, weight="bold")
        artists["values"][node] = ax.text(cx, cy + 0.3, "", ha="center", va="top", fontsize=10,
                                          bbox=box, family="monospace", animated=animated)
    for source, target in EDGES:
        (x0, y0), (x1, y1) = NODES[source][0], NODES[target][0]
        along = y0 == y1  # on the chain: side to side; from above: down into the box
        start = (x0 + HALF_WIDTH[source], y0 + 0.13) if along else (x0, y0 - 0.45)
        end = ((x1 - HALF_WIDTH[target] - 0.1, y1 + 0.13) if along
               else (x1 + 0.25 * np.sign(x0 - x1), y1 + 0.75))
        ax.annotate("", xy=end, xytext=start,
                    arrowprops={"arrowstyle": "-|>", "lw": 1.3, "color": "0.3"})
        if (source, target) in LABEL_OFFSET:
            dx, dy = LABEL_OFFSET[(source, target)]
            mid = ((start[0] + end[0]) / 2 + dx, (start[1] + end[1]) / 2 + dy)
            style = {"ha": "center", "fontsize": 10, "color": COLORS["sgd"], "family": "monospace"}
            ax.text(*mid, f"∂L/∂{GRAD_NAMES.get(source, source)} =", va="bottom", **style)
            artists["grads"][source] = ax.text(mid[0], mid[1] - 0.04, "", va="top", **style,
                                               animated=animated)
    ax.set_title("forward: values in the boxes (black)   ·   backward: ∂L/∂(node) on each edge "
                 "(orange)", fontsize=12)
    artists["update"] = ax.text(0.1, -0.05, "", ha="left", va="center", fontsize=10.5,
                                color=COLORS["gd"], linespacing=1.5, animated=animated)
    return artists


def draw_graph(artists, state) -> None:
    """Write the numbers of a ``graph_state`` into the graph's texts."""
    for node, text in artists["values"].items():
        text.set_text(_format(state["values"][node]))
    for node, text in artists["grads"].items():
        text.set_text(_format(state["grads"][node]))
    x1, dz1 = float(state["values"]["x"][0, 0]), float(state["grads"]["z"][0, 0])
    factor = _significant(dz1) if dz1 >= 0 else f"({_significant(dz1)})"  # 2 × (−0.1)
    line = (f"w = W1[0,0] = {_number(state['w'])}:  ∂L/∂w = x₁ · ∂L/∂z₁ = {_number(x1)} × "
            f"{factor} = {_significant(state['dw'])}")
    if state["lr"] > 0:
        line += (f"\none SGD step, lr = {state['lr']:g}:  all nine parameters: L "
                 f"{_number(state['L'])} → {_number(state['L_all'])};   w alone "
                 f"(→ {_number(state['w_after'])}): L → {_number(state['L_w'])}")
    artists["update"].set_text(line)


def plot_graph(state, ax=None):
    """The whole graph for one ``graph_state`` (a static figure). Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    draw_graph(graph_artists(ax), state)
    return ax


# ---- the panel -----------------------------------------------------------------------------

def graph_panel(x1: float = 1.0, w: float = 0.1, lr: float = 0.5) -> Panel:
    """Section 1's graph, live: sliders "x1" (−3 … 3), "w" = W1[0, 0] (−2 … 2) and "lr" (0 … 3,
    one SGD step)."""
    controls = {
        "x1": float_slider(check_number("x1", x1), -3.0, 3.0, description="input x₁", step=0.1,
                           readout_format=".1f"),
        "w": float_slider(check_number("w", w), -2.0, 2.0, description="weight w = W1[0,0]",
                          step=0.05),
        "lr": float_slider(check_number("lr", lr), 0.0, 3.0, description="learning rate",
                           step=0.1, readout_format=".1f"),
    }
    return Panel(controls, _graph_compute, _graph_figure, draw_graph)


def _graph_compute(x1, w, lr) -> dict:
    state = graph_state(x1, w, lr)
    chain = f"∂L/∂w = x₁ · ∂L/∂z₁ = {state['dw']:.4f}"
    if lr == 0:
        return {**state, "message": f"{chain}. lr = 0: no step, nothing changes.", "level": "info"}
    moved = (f"One step of lr = {lr:g} on all nine parameters: L {state['L']:.4f} → "
             f"{state['L_all']:.4f}; on w alone: L → {state['L_w']:.4f}.")
    if state["L_all"] < state["L"]:
        return {**state, "message": f"{chain}. {moved}", "level": "ok"}
    return {**state, "message": f"{chain}. {moved} The full step overshoots: L rises; a smaller "
            "lr lowers it.", "level": "warn"}


FIXED = ("b1", "W2", "b2", "y")  # no slider moves these values: the panel's background shows them


def _graph_figure():
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.02)
    artists = graph_artists(ax, animated=True)
    for node in FIXED:  # written once, drawn with the background: fewer texts in each frame
        text = artists["values"].pop(node)
        text.set_animated(False)
        text.set_text(_format(EXAMPLE[node]))
    return fig, artists
