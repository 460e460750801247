"""Notebook 08a's panel: the gradient of each layer at initialisation, for a depth and a scale.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the gradient norms and the
message), ``make_figure`` (axes and labels), ``draw`` (the two lines and the title). The
measurement is ``helpers.lab.deep.grad_norms`` on a fixed batch of 256 training digits.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure

from ..blit import decade_above, decade_below
from ..data import load_mnist
from ..lab.deep import WIDTH, grad_norm_profile, init_label, validation_split
from ..layers import ACTIVATIONS, init_std
from ..plots import COLORS, PALETTE
from ..validate import check_choice, check_int
from ..widgets import Panel, dropdown, int_slider, selection_slider

MAX_DEPTH = 20
# the scale slider, from the smallest std to the largest (for 64 inputs: PyTorch 0.072,
# Glorot 0.125, He 0.177)
SCALES = [0.01, 0.03, "pytorch", "glorot", "he", 0.3, 0.5, 1.0]
MATCHING = {"relu": "he", "tanh": "glorot", "sigmoid": "glorot"}  # the reference line
LEVEL = (0.1, 10.0)  # first/last ratio inside this: "level"
TINY, HUGE = 1e-6, 1e3  # every gradient below TINY: vanished; above HUGE: exploded


@functools.cache
def panel_batch():
    """The 256 training digits (and labels) every frame uses, loaded once."""
    mnist = load_mnist("sample", verbose=False)
    X_train, y_train, _, _ = validation_split(mnist.X_train, mnist.y_train, 800, seed=0)
    return X_train[:256], y_train[:256]


def compute(activation="relu", depth=10, init="pytorch", seed=0):
    """Everything the panel shows, from the slider values; a pure function.

    Returns a dict with "layers" (1..depth), "norms" (the setting's ||dL/dW_l||), "reference"
    (the same network with the matching scale: He for ReLU, Glorot otherwise), "ratio"
    (first/last), "std" (the std of a 64 → 64 layer), "message" and "level".
    """
    activation = check_choice("activation", activation, ACTIVATIONS)
    depth = check_int("depth", depth, low=2, high=MAX_DEPTH)
    seed = check_int("seed", seed, low=0)
    X, y = panel_batch()
    norms = grad_norm_profile(depth, activation, init, X, y, seed=seed)
    reference = grad_norm_profile(depth, activation, MATCHING[activation], X, y, seed=seed)
    state = {"activation": activation, "depth": depth, "init": init, "seed": seed,
             "layers": np.arange(1, depth + 1), "norms": norms, "reference": reference,
             "ratio": float(norms[0] / norms[-1]), "std": init_std(init, WIDTH, WIDTH)}
    state["message"], state["level"] = _message(state)
    return state


def _message(state):
    """One sentence: is the gradient level, vanishing or exploding, and how much?"""
    what = (f"{state['activation']}, depth {state['depth']}, {init_label(state['init'])} "
            f"(std {state['std']:.3g} for {WIDTH} inputs)")
    ratio, norms = state["ratio"], state["norms"]
    if norms.max() < TINY:
        return (f"{what}: every layer's gradient is tiny (at most {norms.max():.0e}): the signal "
                "died in the forward pass. The ratio first/last "
                f"({ratio:.2g}) looks fine, but there is nothing to learn from."), "error"
    if norms.min() > HUGE:
        return (f"{what}: every layer's gradient is huge (at least {norms.min():.0e}): one SGD "
                f"step would throw the weights away, whatever the ratio ({ratio:.2g})."), "error"
    if ratio < LEVEL[0]:
        return (f"{what}: the gradient vanishes on its way back: the first layer gets "
                f"{ratio:.1e} times the last layer's."), "warn"
    if ratio > LEVEL[1]:
        return (f"{what}: the gradient explodes on its way back: the first layer gets "
                f"{ratio:.1e} times the last layer's."), "warn"
    return (f"{what}: level: the first layer gets {ratio:.2g} times the last layer's "
            "gradient."), "ok"


def make_figure():
    """The figure: ||dL/dW_l|| against the layer l on a log axis. Returns (fig, artists)."""
    fig = Figure(figsize=(8.0, 3.8), dpi=80)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.25, top=0.9)
    art = {"ax": ax}
    (art["reference"],) = ax.plot([], [], "s--", color=COLORS["theory"], ms=4, lw=1.4,
                                  animated=True, label="the matching scale (He or Glorot)")
    (art["norms"],) = ax.plot([], [], "o-", color=PALETTE[6], ms=5, lw=2, animated=True,
                              label="the chosen scale")
    ax.set_yscale("log")
    ax.set_xlim(0.5, MAX_DEPTH + 0.5)
    ax.set_ylim(1e-6, 10)
    ax.set_xticks(range(1, MAX_DEPTH + 1, 2))
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("gradient norm ||dL/dW_l||")
    # below the axes: inside, it would hide a line lying at the bottom (std 0.01) or the top
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    art["title"] = ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10,
                           animated=True)
    return fig, art


def draw(art, state):
    """Update the two lines, the y range (by decades) and the title from ``compute``'s state."""
    art["norms"].set_data(state["layers"], state["norms"])
    art["reference"].set_data(state["layers"], state["reference"])
    values = np.concatenate([state["norms"], state["reference"]])
    values = values[np.isfinite(values) & (values > 0)]
    low, high = (values.min(), values.max()) if values.size else (1e-6, 10.0)
    art["ax"].set_ylim(min(1e-6, decade_below(low)), max(10.0, decade_above(high)))
    art["title"].set_text(f"{state['activation']}, depth {state['depth']}, "
                          f"{init_label(state['init'])}: first/last = {state['ratio']:.2g}")


def make_panel(activation="relu", depth=10, init="pytorch", seed=0):
    """The panel of notebook 08a: activation, depth, the scale of the initial weights, seed.

    One frame is a forward and a backward pass of two networks on 256 digits (up to about 50 ms),
    so the sliders redraw when the handle is released.
    """
    release = {"continuous_update": False}
    controls = {
        "activation": dropdown(list(ACTIVATIONS), activation, description="activation"),
        "depth": int_slider(depth, 2, MAX_DEPTH, description="depth", **release),
        "init": selection_slider(SCALES, init, description="scale (std)", **release),
        "seed": int_slider(seed, 0, 20, description="seed", **release),
    }
    return Panel(controls, compute, make_figure, draw)
