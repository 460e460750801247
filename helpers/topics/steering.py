"""Deep dive D5: what practitioners watch while a network trains, and the sharpness of its loss.

Measurements (pure numpy): the diagnostics of a step (``layer_grad_norms``, ``update_ratios``,
``dead_fractions``, together ``diagnose``; ``hints`` puts them in words), the Hessian-vector
product of the mean squared error (``hvp``), power iteration on it (``sharpness``) and full-batch
gradient descent that measures it as it goes (``gd_with_sharpness``). Figures: ``plot_sharpness``,
``plot_history`` (the steering panel's figure, drawn once). The panel: ``steering_panel`` (buttons
and sliders acting on a ``helpers.kit.steer.Trainer`` while it trains in the background).
"""

from __future__ import annotations

import functools
import html
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.kit.blit import decade_above, decade_below, step_above
from helpers.kit.plots import COLORS, PALETTE, plain_log_axis
from helpers.kit.steer import Trainer
from helpers.kit.text import percent
from helpers.kit.widgets import (
    Panel,
    float_slider,
    lr_slider,
    message_html,
    running_loop,
    selection_slider,
)
from helpers.layers import Activation, Linear, ReLU, Sequential, linear_layers
from helpers.losses import MSELoss

RATIO_HIGH, RATIO_LOW = 3e-2, 1e-5  # update/weight per step: above, lr too high; below, too low
DEAD_HIGH = 0.5  # more than half of a layer's ReLUs dead

# ---- measurements: the diagnostics of a step --------------------------------------------------


def layer_grad_norms(model) -> np.ndarray:
    """||dL/dW|| of each Linear layer (n_linear,), from the gradients the last backward left."""
    return np.array([np.linalg.norm(lin.grads["W"]) for lin in linear_layers(model)])


def update_ratios(before, model) -> np.ndarray:
    """||W_now − W_before|| / ||W_before|| per Linear layer (n_linear,); before: the W's."""
    return np.array([np.linalg.norm(lin.params["W"] - w) / np.linalg.norm(w)
                     for w, lin in zip(before, linear_layers(model))])


def dead_fractions(model) -> np.ndarray:
    """The share of units of each ReLU layer that were 0 for every example of the last forward
    pass (n_relu,): a dead unit passes no gradient back, so nothing revives it."""
    return np.array([np.mean(np.all(layer.Y <= 0, axis=0)) for layer in model.layers
                     if isinstance(layer, ReLU)])


def diagnose(model, before) -> dict:
    """All three, right after a step: {"grad_norm", "update_ratio", "dead"} (arrays)."""
    return {"grad_norm": layer_grad_norms(model), "update_ratio": update_ratios(before, model),
            "dead": dead_fractions(model)}


def hints(records) -> list[str]:
    """Plain sentences when the medians of ``records`` (``diagnose`` results) leave their
    healthy range; an empty list when all is well."""
    if not records:
        return []
    ratio = np.median([r["update_ratio"] for r in records], axis=0)
    dead = np.median([r["dead"] for r in records], axis=0)
    out = []
    if ratio.max() > RATIO_HIGH:
        out.append(f"each step changes the weights by {percent(ratio.max(), 1)} (layer "
                   f"{int(ratio.argmax()) + 1}): the learning rate is probably too high.")
    elif ratio.max() < RATIO_LOW:
        out.append(f"each step changes the weights by only {percent(ratio.max(), 4)}: the "
                   "learning rate is probably too low.")
    for i, share in enumerate(dead):
        if share > DEAD_HIGH:
            out.append(f"{percent(share)} of the ReLUs of hidden layer {i + 1} are dead (0 for "
                       "every digit of a batch): they no longer learn.")
    return out


def make_trainer(model, X, y, **settings) -> Trainer:
    """A ``Trainer`` that measures ``diagnose`` every 5 steps (settings: lr, batch_size, ...)."""
    return Trainer(model, X, y, diagnose=diagnose, **settings)


# ---- measurements: the sharpness ---------------------------------------------------------------

def _blocks(model):
    """[(Linear, the activation after it, or None)] of an mlp."""
    layers = model.layers if isinstance(model, Sequential) else []
    pattern = [isinstance(layer, Linear if i % 2 == 0 else Activation)
               for i, layer in enumerate(layers)]
    if not layers or len(layers) % 2 == 0 or not all(pattern):
        raise TypeError(f"model must be an mlp (Linear layers with an activation between them, "
                        f"no dropout); got {model!r}")
    return [(layers[i], layers[i + 1].fn if i + 1 < len(layers) else None)
            for i in range(0, len(layers), 2)]


def hvp(model, X, Y, v) -> list:
    """H v: the Hessian of the mean squared error L = mean((model(X) − Y)²) with respect to all
    the parameters, times v, by one more forward and backward pass (Pearlmutter's R-operator:
    R(·) is the derivative of each quantity along v). v: arrays shaped like the parameters
    (W0, b0, W1, b1, ...), as ``model.parameters()`` lists them; returns the same."""
    blocks = _blocks(model)
    a, Ra, saved = X, np.zeros_like(X), []
    for k, (lin, fn) in enumerate(blocks):
        W, (VW, Vb) = lin.params["W"], v[2 * k:2 * k + 2]
        z = a @ W + lin.params["b"]  # z = a W + b
        Rz = Ra @ W + a @ VW + Vb  # R(z) = R(a) W + a V_W + V_b
        saved.append((a, Ra, z, Rz))
        if fn is not None:
            h = fn.f(z)
            a, Ra = h, fn.df(z, h) * Rz  # R(h) = f'(z) R(z)
    delta, Rdelta = 2 * (z - Y) / z.size, 2 * Rz / z.size  # dL/dz and its R
    hv = []
    for k in range(len(blocks) - 1, -1, -1):
        a, Ra, _, _ = saved[k]
        hv[:0] = [Ra.T @ delta + a.T @ Rdelta, Rdelta.sum(axis=0)]  # R(dW) = R(aᵀδ), R(db)
        if k == 0:
            return hv
        W, VW, fn = blocks[k][0].params["W"], v[2 * k], blocks[k - 1][1]
        dA, RdA = delta @ W.T, Rdelta @ W.T + delta @ VW.T  # dA = δ Wᵀ and its R
        _, _, z, Rz = saved[k - 1]
        h = fn.f(z)
        d1, d2 = fn.df(z, h), fn.d2f(z, h)
        delta, Rdelta = dA * d1, RdA * d1 + dA * d2 * Rz  # δ = dA f'(z); R(δ) adds dA f'' R(z)


def _dot(u, v) -> float:
    return float(sum(np.sum(a * b) for a, b in zip(u, v)))


def sharpness(model, X, Y, *, num_iters=20, v0=None, seed=0):
    """The largest eigenvalue of the Hessian of the mean squared error on (X, Y), by power
    iteration on ``hvp``: (eigenvalue, unit vector). v0: the start (any length; default a
    random direction from ``seed``), e.g. the vector of the previous call."""
    if v0 is None:
        rng = np.random.default_rng(seed)
        v0 = [rng.standard_normal(p.shape) for p, _ in model.parameters()]
    v = [a / np.sqrt(_dot(v0, v0)) for a in v0]
    for _ in range(num_iters):
        hv = hvp(model, X, Y, v)
        eigenvalue = _dot(v, hv)  # vᵀ H v with ||v|| = 1
        v = [a / np.sqrt(_dot(hv, hv)) for a in hv]  # v ← H v / ||H v||
    return eigenvalue, v


def gd_with_sharpness(model, X, Y, lr, num_steps, *, every=10, num_iters=4, seed=0) -> dict:
    """Full-batch gradient descent on the mean squared error, the sharpness measured every
    ``every`` steps (power iteration from the previous vector: ``num_iters`` products, 20 the
    first time). Returns {"loss": (num_steps + 1,), "steps": (m,), "sharpness": (m,)}."""
    loss_fn, steps, values, v = MSELoss(), [], [], None
    losses = []
    for t in range(num_steps + 1):
        if t % every == 0:
            value, v = sharpness(model, X, Y, num_iters=num_iters if v else 20, v0=v, seed=seed)
            steps.append(t)
            values.append(value)
        losses.append(loss_fn.forward(model.forward(X), Y))
        model.backward(loss_fn.backward())
        if t < num_steps:
            for p, g in model.parameters():
                p -= lr * g  # w ← w − lr ∇L(w)
    return {"loss": np.array(losses), "steps": np.array(steps), "sharpness": np.array(values)}


# ---- figures -----------------------------------------------------------------------------------

def plot_sharpness(runs: dict, axes=None):
    """Sharpness (left) with 2/lr dashed, and the loss (right), against the step, per run.
    runs: {lr: gd_with_sharpness's result}."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    for (lr, run), color in zip(runs.items(), PALETTE[5:] + PALETTE[1:4]):
        axes[0].plot(run["steps"], run["sharpness"], color=color,
                     label=f"lr = {lr:g} (2/lr = {2 / lr:.2f}, dashed)")
        axes[0].axhline(2 / lr, color=color, ls="--", lw=1)
        axes[1].plot(run["loss"], color=color, label=f"lr = {lr:g}")
    axes[0].set(xlabel="step", ylabel="sharpness (largest Hessian eigenvalue)",
                title="the sharpness rises to 2/lr (dashed)")
    axes[1].set(xlabel="step", ylabel="training loss", yscale="log", title="the loss")
    axes[0].legend(loc="upper left")
    axes[1].legend(loc="upper right")
    return axes


SMOOTH, MARKS = 20, 6  # the loss's running mean (steps); the newest changes named on the plot
_RANGES = {"loss": (1e-2, 10.0), "ratio": (1e-5, 1.0), "grad": (1e-3, 10.0)}  # y axes at first
_GRID = [k * 10.0**e for e in range(2, 7) for k in (1, 2, 5)]  # x-axis ends that seldom move


def _make_figure(num_linear: int, num_relu: int):
    """The steering figure: loss, update/weight, gradient norm, dead ReLUs; all animated."""
    fig = Figure(figsize=(11, 5.0), dpi=90)
    axes = fig.subplots(2, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.09,
                                           "top": 0.94, "wspace": 0.15, "hspace": 0.4}).ravel()
    line = lambda ax, **kw: ax.plot([], [], animated=True, **kw)[0]  # noqa: E731
    art = {"axes": axes, "raw": line(axes[0], color="0.7", lw=0.8),
           "smooth": line(axes[0], color=COLORS["gd"], lw=1.5, label=f"mean of {SMOOTH} steps"),
           "marks": [line(ax, color=COLORS["sgd"], lw=1, ls="--",
                          transform=ax.get_xaxis_transform()) for ax in axes],
           "mark_texts": [axes[0].text(0, 0.97, "", transform=axes[0].get_xaxis_transform(),
                                       rotation=90, va="top", ha="right", fontsize=7,
                                       color=COLORS["sgd"], animated=True) for _ in range(MARKS)]}
    colors = PALETTE[1:4] + PALETTE[5:]
    for key, ax, n, name in (("ratio", axes[1], num_linear, "layer"),
                             ("grad", axes[2], num_linear, "layer"),
                             ("dead", axes[3], num_relu, "hidden layer")):
        art[key] = [line(ax, color=colors[i % 6], label=f"{name} {i + 1}") for i in range(n)]
        ax.legend(loc="center right" if key == "dead" else "upper right", fontsize=8)
    plain_log_axis(axes[0])
    plain_log_axis(axes[1])
    plain_log_axis(axes[2])
    axes[0].set(title="training loss (per batch)")
    axes[0].legend(loc="lower left", fontsize=8)
    axes[1].axhspan(RATIO_LOW, RATIO_HIGH, color="0.93", zorder=0)
    axes[1].set(title="update / weight per step (grey: healthy)")
    axes[2].set(title="gradient norm ||dL/dW||", xlabel="step")
    axes[3].set(title="dead ReLUs (share of units)", xlabel="step", ylim=(-0.02, 1.02))
    return fig, art


def _draw(art, state) -> None:
    axes = art["axes"]
    art["raw"].set_data(state["steps"], state["losses"])
    art["smooth"].set_data(*state["smooth"])
    for key in ("ratio", "grad", "dead"):
        for i, curve in enumerate(art[key]):
            curve.set_data(state["diag_steps"], state[key][:, i] if len(state[key]) else [])
    marks = state["marks"]
    for mark in art["marks"]:
        mark.set_data([x for step, _ in marks for x in (step, step, np.nan)],
                      [0, 1, np.nan] * len(marks))
    for text, (step, label) in zip(art["mark_texts"], marks + [(0, "")] * MARKS):
        text.set_x(step)
        text.set_text(label)
    for ax in axes:
        ax.set_xlim(0, state["x_max"])
    for ax, key in zip(axes, ("loss", "ratio", "grad")):
        values = np.asarray(state["losses" if key == "loss" else key], dtype=float).ravel()
        values = values[np.isfinite(values) & (values > 0)]
        low, high = _RANGES[key]
        if len(values):  # the first range, widened by whole decades only if the data leave it
            low, high = min(low, decade_below(values.min())), max(high, decade_above(values.max()))
        ax.set_ylim(low, high)


def _state(trainer: Trainer) -> dict:
    """What the panel shows, from a snapshot of ``trainer`` (queued settings included)."""
    h = trainer.snapshot()
    losses = np.array(h["losses"], dtype=float)
    steps = np.arange(len(losses))
    k = min(SMOOTH, len(losses))
    smooth = (steps[k - 1:], np.convolve(losses, np.ones(k) / k, "valid")) if k else ([], [])
    records = h["diag"]
    marks = {}  # one marker per step, naming every change made there
    for change in h["changes"]:
        marks.setdefault(change.step, []).append(f"{change.name} {change.new:.3g}")
    settings = trainer.settings()
    applied = {"lr": trainer.optimizer.lr, "batch_size": trainer.batch_size,
               "momentum": trainer.optimizer.momentum}
    log = [str(c) for c in h["changes"][-8:]] + [
        f"queued: {name} → {settings[name]:.3g} (applies at the next step)"
        for name in applied if settings[name] != applied[name]]
    planned = max(trainer.target_epochs - trainer.epoch, 0) * len(trainer.X) / trainer.batch_size
    t = trainer
    message = (f"{t.status} · step {len(losses)} · epoch {t.epoch:.2f} · lr {t.optimizer.lr:.3g}"
               f" · batch size {t.batch_size} · momentum {t.optimizer.momentum:.2f}"
               + (f" · {t.message}" if t.message else ""))
    return {"steps": steps, "losses": losses, "smooth": smooth,
            "diag_steps": np.array(h["diag_steps"]),
            **{key: np.array([r[name] for r in records]) for key, name in
               (("ratio", "update_ratio"), ("grad", "grad_norm"), ("dead", "dead"))},
            "marks": [(s, ", ".join(texts)) for s, texts in marks.items()][-MARKS:],
            "x_max": step_above(max(len(losses) + planned, 100), _GRID),
            "log": log or ["none yet"], "seen": (len(h["changes"]), t.status),
            "hints": hints(records[-10:]) or ["all in the healthy range" if records else
                                              "no steps yet"],
            "message": message, "level": {"blew up": "error", "failed": "error",
                                          "running": "ok"}.get(t.status, "info")}


def _shape(trainer):
    return len(linear_layers(trainer.model)), sum(isinstance(layer, ReLU)
                                                  for layer in trainer.model.layers)


def plot_history(trainer: Trainer):
    """The steering panel's figure of ``trainer``'s history, drawn once (after a scripted run)."""
    fig, art = _make_figure(*_shape(trainer))
    _draw(art, _state(trainer))
    for artist in fig.findobj(lambda a: a.get_animated()):
        artist.set_animated(False)  # a plain figure: savefig draws every artist
    return fig


# ---- the panel ---------------------------------------------------------------------------------

BATCH_SIZES = (1, 4, 16, 32, 64, 128, 256, 512)


def steering_panel(trainer: Trainer, *, num_epochs: float = 20, redraw_every: float = 1.0):
    """Start, Pause and Stop buttons, lr, batch size and momentum sliders, and the live figure
    of ``trainer`` (built by ``make_trainer``). Start trains ``num_epochs`` epochs in the
    background; while it runs, a frame is drawn when a change was applied, the run ended or
    ``redraw_every`` seconds passed: the thread only asks the kernel's event loop for it."""
    if not isinstance(trainer, Trainer) or trainer.diagnose is None:
        raise TypeError(f"trainer must be a Trainer from make_trainer(model, X, y); got "
                        f"{trainer!r:.80}")
    s = trainer.settings()
    controls = {"lr": lr_slider(s["lr"], min(1e-4, s["lr"]), max(3.0, s["lr"]), description="lr",
                                step=0.1, continuous_update=False),
                "batch_size": selection_slider(sorted({b for b in BATCH_SIZES if b <= len(
                    trainer.X)} | {s["batch_size"]}), s["batch_size"], description="batch size",
                    continuous_update=False),
                "momentum": float_slider(s["momentum"], 0, 0.99, description="momentum",
                                         continuous_update=False)}
    buttons = {name: widgets.Button(description=name, button_style=style) for name, style in
               (("Start", "success"), ("Pause", ""), ("Stop", "danger"))}
    log, hint_box = widgets.HTML(layout={"width": "45%"}), widgets.HTML(layout={"width": "55%"})
    log.add_class("steer-log")
    panel = Panel(controls, lambda **_: _state(trainer),  # the sliders' values: trainer.set
                  functools.partial(_make_figure, *_shape(trainer)), _draw,
                  extra=[widgets.HBox(list(buttons.values()))],
                  below=[widgets.HBox([log, hint_box])], watch=False)
    frame = {"loop": None, "asked": False, "last": 0.0, "seen": None}

    def redraw() -> None:  # on the kernel's thread only
        frame["asked"] = False
        try:
            panel.refresh()
            state = panel.state
            frame["seen"], frame["last"] = state["seen"], time.perf_counter()
            log.value = "<b>changes</b><br>" + "<br>".join(map(html.escape, state["log"]))
            hint_box.value = "<b>diagnostics</b><br>" + "<br>".join(map(html.escape,
                                                                      state["hints"]))
        except Exception as exc:  # noqa: BLE001 - on the event loop nobody else would see it
            panel.message.value = message_html(f"{type(exc).__name__}: {exc}", "error")

    def after_step(t) -> None:  # in the training thread: ask for a frame, never draw here
        due = (frame["seen"] != (len(t.changes), t.status)
               or time.perf_counter() - frame["last"] > redraw_every)
        loop = frame["loop"]
        if due and not frame["asked"] and loop is not None and not loop.is_closed():
            frame["asked"] = True
            loop.call_soon_threadsafe(redraw)

    def press(name: str) -> None:
        # a button runs on the kernel's event loop: frames are asked of it (None in a plain
        # script or a test, which calls panel.redraw() itself)
        frame["loop"] = running_loop() or frame["loop"]
        try:
            if name == "Start":  # a paused run goes on; a new or finished one gets epochs
                trainer.resume() if trainer.status == "paused" else trainer.start(num_epochs)
            else:
                (trainer.pause if name == "Pause" else trainer.stop)()
        except RuntimeError as exc:  # e.g. Start after Stop
            trainer.message = str(exc)
        redraw()

    def move(change) -> None:
        name = next(k for k, control in controls.items() if control is change["owner"])
        trainer.set(**{name: change["new"]})
        if not trainer.running:  # while it runs, the step that applies it asks for the frame
            redraw()

    for name, button in buttons.items():
        button.on_click(lambda _, name=name: press(name))
    for control in controls.values():
        control.observe(move, names="value")
    trainer.listeners.append(after_step)
    panel.trainer, panel.buttons, panel.change_log, panel.redraw = trainer, buttons, log, redraw
    redraw()
    return panel

