"""Notebook 04a's computational graph: forward values in the boxes, backward gradients on the edges.

``make_graph_figure()`` builds the boxes and arrows once and returns (fig, artists), the text
objects that carry numbers; ``draw_graph(artists, state)`` writes the numbers of a state from
``helpers.lab.backprop_graph`` into them (fast enough for a slider); ``plot_graph(state)`` does
both.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS

FIGSIZE = (12.0, 5.0)
FORWARD = "black"
BACKWARD = COLORS["sgd"]  # the gradients flowing back
SLIDER = COLORS["gd"]  # the weight the slider moves

# node: (x, y) centre and the operation written above its value
NODES = {
    "x": ((0.9, 1.5), "input x"),
    "W1": ((2.2, 4.0), "weights W1"),
    "b1": ((4.3, 4.0), "bias b1"),
    "z": ((4.3, 1.5), "z = x W1 + b1"),
    "h": ((6.7, 1.5), "h = σ(z)"),
    "W2": ((7.9, 4.0), "weights W2"),
    "b2": ((9.4, 4.0), "bias b2"),
    "y_hat": ((9.4, 1.5), "ŷ = h W2 + b2"),
    "y": ((11.3, 4.0), "target y"),
    "L": ((11.3, 1.5), "L = (ŷ − y)²"),
}
HALF_WIDTH = {"x": 0.8, "z": 0.8, "h": 0.7, "y_hat": 0.35, "L": 0.35}  # of the chain's boxes
# edges: (from, to); the gradient ∂L/∂from travels back along each (none for the target y)
EDGES = [("x", "z"), ("W1", "z"), ("b1", "z"), ("z", "h"), ("h", "y_hat"), ("W2", "y_hat"),
         ("b2", "y_hat"), ("y_hat", "L"), ("y", "L")]
NAMES = {"x": "x", "W1": "W1", "b1": "b1", "z": "z", "h": "h", "W2": "W2", "b2": "b2",
         "y_hat": "ŷ", "y": "y", "L": "L"}
# where each edge's gradient is written, relative to the middle of the edge
LABEL_OFFSET = {("x", "z"): (0.0, -0.55), ("z", "h"): (0.0, -0.55), ("h", "y_hat"): (0.0, -0.55),
                ("y_hat", "L"): (0.0, -0.55), ("W1", "z"): (-0.95, -0.1),
                ("b1", "z"): (0.75, 0.0), ("W2", "y_hat"): (-0.7, 0.0),
                ("b2", "y_hat"): (0.7, 0.0)}


def _number(value: float) -> str:
    return f"{value:.3f}".replace("-", "−")


def _format(value) -> str:
    """A value as the graph writes it: 0.153, [0.332, 0.354], or one line per matrix row."""
    array = np.asarray(value, dtype=float)
    if array.size == 1:
        return _number(float(array.reshape(-1)[0]))
    rows = array.reshape(-1, array.shape[-1]) if array.ndim > 1 else array[None, :]
    if array.ndim == 2 and array.shape[1] == 1:  # a column (W2): one row per line
        rows = array
    return "\n".join("[" + ", ".join(_number(v) for v in row) + "]" for row in rows)


def make_graph_figure(fig=None, *, animated: bool = False):
    """The graph's boxes and arrows, with empty texts. Returns (fig, artists).

    fig: a matplotlib Figure to draw into (None: a new pyplot figure); animated: make the texts
    that carry numbers animated artists (for a blitting panel).
    """
    if fig is None:
        fig = plt.figure(figsize=FIGSIZE)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.01)
    ax.set_xlim(0, 12.2)
    ax.set_ylim(-0.2, 5.0)
    ax.axis("off")
    artists = {"values": {}, "grads": {}}
    box = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": "0.35", "lw": 1.2}
    for node, ((cx, cy), title) in NODES.items():
        ax.text(cx, cy + 0.42, title, ha="center", va="bottom", fontsize=10, weight="bold")
        artists["values"][node] = ax.text(cx, cy + 0.3, "", ha="center", va="top", fontsize=10,
                                          color=FORWARD, bbox=box, family="monospace",
                                          animated=animated)
    for source, target in EDGES:
        (x0, y0), (x1, y1) = NODES[source][0], NODES[target][0]
        # along the chain: from box side to box side, at the height of the boxes' middle
        start = (x0 + HALF_WIDTH[source], y0 + 0.13) if y0 == y1 else (x0, y0 - 0.45)
        end = (x1 - HALF_WIDTH[target] - 0.1, y1 + 0.13) if y0 == y1 else (
            x1 + 0.25 * np.sign(x0 - x1), y1 + 0.75)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 1.3,
                                                          "color": "0.3"})
        if (source, target) in LABEL_OFFSET:
            dx, dy = LABEL_OFFSET[(source, target)]
            mid = ((start[0] + end[0]) / 2 + dx, (start[1] + end[1]) / 2 + dy)
            artists["grads"][source] = ax.text(*mid, "", ha="center", va="center", fontsize=10,
                                               color=BACKWARD, family="monospace",
                                               animated=animated)
    artists["title"] = fig.suptitle(
        "forward: values in the boxes (black)   ·   backward: ∂L/∂(node) on each edge (orange)",
        fontsize=12)
    artists["update"] = ax.text(0.1, 0.1, "", ha="left", va="center", fontsize=10.5,
                                color=SLIDER, animated=animated)
    return fig, artists


def draw_graph(artists, state) -> None:
    """Write the numbers of a ``helpers.lab.backprop_graph`` state into the graph's texts."""
    values, grads = state["values"], state["grads"]
    for node, text in artists["values"].items():
        text.set_text(_format(values[node]))
    for node, text in artists["grads"].items():
        text.set_text(f"∂L/∂{NAMES[node]} =\n{_format(grads[node])}")
    if "w" in state:
        x1, dz1 = float(values["x"][0, 0]), float(grads["z"][0, 0])
        line = (f"w = W1[0,0] = {_number(state['w'])}:  ∂L/∂w = x₁ · ∂L/∂z₁ = {_number(x1)} × "
                f"{_number(dz1)} = {_number(state['dw'])}")
        if state["lr"] > 0:
            line += (f";   one SGD step, lr = {state['lr']:g}:  w → {_number(state['w_after'])},"
                     f"  L: {_number(float(values['L']))} → {_number(state['after']['L'])}")
        artists["update"].set_text(line)


def plot_graph(state):
    """The whole graph for one state (a static figure). Returns the figure."""
    fig, artists = make_graph_figure()
    draw_graph(artists, state)
    return fig
