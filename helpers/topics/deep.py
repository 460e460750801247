"""Deep dive D4: how the initial scale decides whether a deep network's gradient arrives, and
how weight decay, early stopping, dropout and more data change what a network learns of few digits.

Measurements (pure numpy): ``deep_mlp``, ``grad_norms`` and ``ratio_table`` (the gradient of each
layer at initialisation), ``train_deep`` (a few epochs of a deep network), ``fit`` (training and
validation curves, per epoch). Figures: ``plot_grad_norms``, ``plot_curves``. The panel:
``depth_scale_panel`` (the gradient of each layer for an activation, a depth and a scale).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from helpers.kit.blit import decade_above, decade_below
from helpers.kit.checks import check_array, check_choice, check_int
from helpers.kit.plots import COLORS, PALETTE, axes_for
from helpers.kit.widgets import NotAllowed, Panel, dropdown, int_slider, selection_slider
from helpers.layers import ACTIVATIONS, init_std, linear_layers, mlp
from helpers.losses import SoftmaxCrossEntropy
from helpers.optim import SGD
from helpers.train import evaluate, train

WIDTH = 64  # hidden units per layer in the depth experiments

# ---- measurements --------------------------------------------------------------------------


def init_label(init) -> str:
    """A short name for an init: "PyTorch default", "Glorot", "He" or "std 0.01"."""
    names = {"pytorch": "PyTorch default", "glorot": "Glorot", "he": "He"}
    return names[init] if isinstance(init, str) else f"std {init:g}"


def deep_mlp(depth: int, activation: str, init, *, width: int = WIDTH, seed=0,
             dtype=np.float64):
    """An MLP of ``depth`` Linear layers, 784 -> width -> ... -> width -> 10 (depth >= 2)."""
    return mlp([784] + [width] * (depth - 1) + [10], activation, seed=seed, dtype=dtype,
               init=init)


def grad_norms(model, X, y) -> np.ndarray:
    """||dL/dW_l|| of each Linear layer, first to last: (depth,), at the model's weights.

    L: the softmax cross-entropy on the batch X (B, 784), y (B,); nothing is updated.
    """
    loss_fn = SoftmaxCrossEntropy()
    with np.errstate(all="ignore"):  # a badly scaled network may overflow: that is the point
        loss_fn.forward(model.forward(X.astype(model.params["0.W"].dtype)), y)
        model.backward(loss_fn.backward())
    return np.array([np.linalg.norm(lin.grads["W"]) for lin in linear_layers(model)])


def ratio_table(depths, settings, X, y, seeds=(0, 1, 2)) -> np.ndarray:
    """||dL/dW_first|| / ||dL/dW_last|| at initialisation, the median over ``seeds``.

    depths: (D,) ints >= 2; settings: S pairs (activation, init). Returns (S, D).
    """
    def ratio(depth, activation, init, seed):
        norms = grad_norms(deep_mlp(depth, activation, init, seed=seed), X, y)
        return norms[0] / norms[-1]

    return np.array([[np.median([ratio(d, act, init, s) for s in seeds]) for d in depths]
                     for act, init in settings])


def train_deep(depth: int, activation: str, init, X, y, X_val, y_val, *, num_epochs=3,
               lr=0.1, seed=0) -> np.ndarray:
    """Plain SGD (batches of 64) on a float32 ``deep_mlp``: the validation accuracy before
    training and after each epoch, (num_epochs + 1,); NaN for epochs a blow-up cut off."""
    model = deep_mlp(depth, activation, init, seed=seed, dtype=np.float32)
    before = evaluate(model, X_val, y_val)[1]
    history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=lr), X, y,
                    batch_size=64, num_epochs=num_epochs, seed=seed, X_val=X_val, y_val=y_val,
                    progress=False)
    acc = [before, *history.val_acc] + [np.nan] * num_epochs
    return np.array(acc[:num_epochs + 1])


def fit(model, X, y, parts: dict, *, lr=0.05, momentum=0.9, weight_decay=0.0, num_epochs=50,
        batch_size=32, seed=0) -> dict:
    """Train ``model`` with SGD (momentum, L2 weight decay) on (X, y) and measure it after
    every epoch, in evaluation mode (dropout off), on the training digits and on each part.

    parts: {name: (X_part, y_part)}, e.g. the validation digits. Returns {"train" and each
    name: {"loss": (num_epochs,), "acc": (num_epochs,)}}, entry e after epoch e + 1.
    """
    parts = {"train": (X, y), **parts}
    curves = {name: {"loss": [], "acc": []} for name in parts}

    def after_epoch(history):
        for name, (X_part, y_part) in parts.items():
            loss, acc = evaluate(model, X_part, y_part)  # evaluate switches dropout off
            curves[name]["loss"].append(loss)
            curves[name]["acc"].append(acc)

    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=batch_size,
          num_epochs=num_epochs, seed=seed, callbacks=[after_epoch], log_every=10**9,
          progress=False)  # log_every beyond the run: the callback runs after each epoch only
    return {name: {k: np.array(v) for k, v in c.items()} for name, c in curves.items()}


# ---- figures -------------------------------------------------------------------------------

_STYLES = [(PALETTE[6], "o"), (PALETTE[5], "s"), (PALETTE[3], "^"), (PALETTE[1], "D")]


def plot_grad_norms(profiles: dict, ax=None, *, title="", animated=False):
    """||dL/dW_l|| against the layer l (log scale), one line per entry of ``profiles``
    ({label: norms (depth,)}). animated=True: empty lines a panel fills (``ax.lines``)."""
    ax = axes_for(ax, (6.0, 3.8))
    for i, (label, norms) in enumerate(profiles.items()):
        color, marker = _STYLES[i % len(_STYLES)]
        ax.plot(np.arange(1, len(norms) + 1), norms, marker=marker, color=color, ms=4, lw=1.6,
                ls="-" if i % 2 == 0 else "--", label=label, animated=animated)
    ax.set_yscale("log")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("gradient norm ||dL/dW_l||")
    ax.set_title(title)
    if animated:  # below the axes: inside, a line could run under it
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    else:
        ax.set_xticks(range(1, max(len(n) for n in profiles.values()) + 1, 2))
        ax.legend(fontsize=8, loc="best")
    return ax


def plot_curves(curves: dict, ax=None, *, key="loss"):
    """One of ``fit``'s measurements ("loss" or "acc") against the epoch, one line per part."""
    ax = axes_for(ax, (6.0, 3.8))
    for (name, curve), color in zip(curves.items(), [COLORS["gd"], COLORS["sgd"], PALETTE[3]]):
        values = curve[key] * (100 if key == "acc" else 1)
        ax.plot(np.arange(1, len(values) + 1), values, color=color, lw=1.6,
                ls="--" if name == "train" else "-", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel({"loss": "cross-entropy loss", "acc": "accuracy (%)"}[key])
    ax.legend(fontsize=8)
    return ax


# ---- the panel -----------------------------------------------------------------------------

MAX_DEPTH = 20
SCALES = [0.01, 0.03, "pytorch", "glorot", "he", 0.3, 0.5, 1.0]  # by std for 64 inputs
MATCHING = {"relu": "he", "tanh": "glorot", "sigmoid": "glorot"}  # the reference line
TINY, HUGE = 1e-6, 1e3  # every gradient below TINY: vanished; above HUGE: exploded


def _message(activation, depth, init, norms):
    what = f"{activation}, depth {depth}, {init_label(init)}" + (
        f" (std {init_std(init, WIDTH, WIDTH):.3g} for {WIDTH} inputs)" if isinstance(init, str)
        else "")
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else np.nan
    if not norms.max() >= TINY:
        return (f"{what}: every layer's gradient is tiny (at most {norms.max():.0e}): the signal "
                "died in the forward pass, whatever the ratio first/last; there is nothing to "
                "learn from."), "error"
    if norms.min() > HUGE:
        return (f"{what}: every layer's gradient is huge (at least {norms.min():.0e}): one SGD "
                "step would throw the weights away, whatever the ratio first/last."), "error"
    if not 0.1 <= ratio <= 10:
        which = "vanishes" if ratio < 0.1 else "explodes"
        return (f"{what}: the gradient {which} on its way back: the first layer gets "
                f"{ratio:.1e} times the last layer's."), "warn"
    return (f"{what}: level: the first layer gets {ratio:.2g} times the last layer's "
            "gradient."), "ok"


def depth_scale_panel(X, y, activation="relu", depth=10, init="pytorch", seed=0):
    """The gradient of each layer at initialisation: activation, depth (2-20), the scale of the
    initial weights (a std, or "pytorch", "glorot", "he") and the seed of the weights.

    X (B, 784), y (B,): the batch every frame uses (a few hundred training digits). A frame is
    a forward and backward pass of two networks, so the sliders redraw when let go.
    """
    X = check_array("X", X, ndim=2)
    if X.shape[1] != 784 or len(y) != len(X):
        raise ValueError(f"X must be digits (B, 784) with one label each in y; got X.shape="
                         f"{X.shape} and {len(y)} labels")
    check_choice("activation", activation, ACTIVATIONS)
    check_int("depth", depth, low=2, high=MAX_DEPTH)
    check_choice("init", init, SCALES)

    def compute(activation, depth, init, seed):
        norms = grad_norms(deep_mlp(depth, activation, init, seed=seed), X, y)
        if not np.all(np.isfinite(norms)):
            raise NotAllowed(f"{activation}, depth {depth}, {init_label(init)}: the gradient "
                             "overflowed (beyond 1e308).")
        reference = grad_norms(deep_mlp(depth, activation, MATCHING[activation], seed=seed), X, y)
        message, level = _message(activation, depth, init, norms)
        return {"norms": norms, "reference": reference, "message": message, "level": level}

    def make_figure():
        fig = Figure(figsize=(7.5, 3.8), dpi=80)
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.27, top=0.95)
        ax = fig.add_subplot()
        plot_grad_norms({"your scale": [], "the matching scale (He for ReLU, else Glorot)": []},
                        ax, animated=True)
        ax.set_xlim(0.5, MAX_DEPTH + 0.5)
        ax.set_xticks(range(1, MAX_DEPTH + 1))
        return fig, {"ax": ax, "norms": ax.lines[0], "reference": ax.lines[1]}

    def draw(art, state):
        values = np.concatenate([state["norms"], state["reference"]])
        values = values[values > 0]
        low = min(1e-6, decade_below(values.min())) if values.size else 1e-6
        high = max(10.0, decade_above(values.max())) if values.size else 10.0
        art["ax"].set_ylim(low, high)  # by decades, so that most frames are blitted
        layers = np.arange(1, len(state["norms"]) + 1)
        art["norms"].set_data(layers, np.maximum(state["norms"], low))  # 0: on the bottom edge
        art["reference"].set_data(layers, state["reference"])

    release = {"continuous_update": False}
    controls = {"activation": dropdown(list(ACTIVATIONS), activation, description="activation"),
                "depth": int_slider(depth, 2, MAX_DEPTH, description="depth", **release),
                "init": selection_slider(SCALES, init, description="scale (std)", **release),
                "seed": int_slider(seed, 0, 20, description="seed", **release)}
    return Panel(controls, compute, make_figure, draw)
