"""Notebook 04a's panel: the computational graph of section 1, live under three sliders.

Sliders: the input x₁, the weight w = W1[0, 0], and the learning rate of one SGD update. Every
node shows its forward value and every edge its backward gradient ∂L/∂(node); the line below
the graph follows w through the chain rule, ∂L/∂w = x₁ · ∂L/∂z₁, and through one update.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the numbers and the message),
``make_figure`` (the boxes and arrows; the numbers are animated texts), ``draw`` (writes them).
The numbers come from ``helpers.lab.backprop_graph``, the drawing from
``helpers.figures.backprop_graph``.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..figures.backprop_graph import FIGSIZE, draw_graph, make_graph_figure
from ..lab.backprop_graph import example_state
from ..widgets import Panel, float_slider

X1_RANGE = (-3.0, 3.0)
W_RANGE = (-2.0, 2.0)
LR_RANGE = (0.0, 3.0)


def compute(x1: float = 1.0, w: float = 0.1, lr: float = 0.5) -> dict:
    """The graph's numbers for x[0, 0] = x1, W1[0, 0] = w and one SGD step with lr (>= 0).

    Returns ``helpers.lab.backprop_graph.example_state``'s dict plus "message" and "level".
    """
    state = example_state(x1, w, lr)
    loss, loss_after = float(state["values"]["L"]), state["after"]["L"]
    chain = (f"∂L/∂w = x₁ · ∂L/∂z₁ = {x1:.2f} × {float(state['grads']['z'][0, 0]):.4f} = "
             f"{state['dw']:.4f}")
    if state["lr"] == 0:
        state["message"], state["level"] = f"{chain}. lr = 0: no update.", "info"
    elif loss_after < loss:
        state["message"] = (f"{chain}. One step with lr = {lr:g} moves every weight against "
                            f"its gradient: L falls from {loss:.4f} to {loss_after:.4f}.")
        state["level"] = "ok"
    else:
        state["message"] = (f"{chain}. One step with lr = {lr:g} overshoots: L rises from "
                            f"{loss:.4f} to {loss_after:.4f}; a smaller lr would lower it.")
        state["level"] = "warn"
    return state


def make_figure():
    """The graph's boxes and arrows; the numbers are animated texts. Returns (fig, artists)."""
    return make_graph_figure(Figure(figsize=FIGSIZE), animated=True)


def draw(artists, state) -> bool:
    """Write the state's numbers into the graph (only animated texts change)."""
    draw_graph(artists, state)
    return False


def make_panel(x1: float = 1.0, w: float = 0.1, lr: float = 0.5) -> Panel:
    """The panel: sliders "x1" (input), "w" (the weight W1[0, 0]) and "lr" (one SGD update)."""
    controls = {
        "x1": float_slider(x1, *X1_RANGE, description="input x₁", step=0.1,
                           readout_format=".1f"),
        "w": float_slider(w, *W_RANGE, description="weight w = W1[0,0]", step=0.05),
        "lr": float_slider(lr, *LR_RANGE, description="learning rate", step=0.1,
                           readout_format=".1f"),
    }
    return Panel(controls, compute, make_figure, draw)
