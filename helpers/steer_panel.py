"""The steering panel: buttons and sliders that act on a ``helpers.steer.Trainer`` while it runs,
live curves with a marker at every change, a log of the changes, and the diagnostics' hints.

It follows the panel contract (``helpers.widgets.Panel``): ``compute`` turns a snapshot of the
trainer's history into numbers and a message, ``make_figure`` draws what never changes,
``draw`` updates the animated artists. The training thread never draws: after a step it only
asks the kernel's event loop for a frame (when a setting was applied, the run ended, or
``redraw_every`` seconds passed), and the kernel's thread draws it. One panel steers at a time:
a new panel (the cell re-run) or ``close`` stops the old trainer and waits for its thread.
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers import diagnostics
from helpers.blit import decade_above, decade_below, step_above
from helpers.plots import plain_log_axis
from helpers.steer import Trainer
from helpers.validate import check_positive_number
from helpers.widgets import Panel, float_slider, lr_slider, message_html, selection_slider

COLORS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00"]  # Okabe-Ito
BATCH_SIZES = (1, 4, 16, 32, 64, 128, 256, 512)
SMOOTH, MARKS = 20, 8  # the loss's running mean (steps); the newest changes named on the plot
LOSS_RANGE, RATIO_RANGE, GRAD_RANGE = (1e-2, 10.0), (1e-5, 1.0), (1e-3, 10.0)  # y axes at first
_GRID = [k * 10.0**e for e in range(-3, 7) for k in (1, 2, 5)]  # axis ends that seldom move
_PANELS: weakref.WeakSet = weakref.WeakSet()  # the panels alive, so a new one stops the old


def compute(trainer: Trainer, X_probe, lr, batch_size, momentum) -> dict:
    """The state of the panel from a snapshot of ``trainer``'s history; X_probe (n, n_in): the
    digits of the activation histograms; lr, batch_size, momentum: the sliders' values.

    Returns arrays "steps", "losses", "smooth", "diag_steps", "ratios" and "grad_norms"
    (measurements × layers), "dead" and "hist" by layer name, "marks" [(step, text)], "log" and
    "hints" (lines of text), "x_max", "seen" (number of changes, status), and the status line
    as "message" and "level".
    """
    h = trainer.snapshot()
    steps, losses = np.array(h["steps"]), np.array(h["losses"], dtype=float)
    k = min(SMOOTH, len(losses))
    smooth = np.convolve(losses, np.ones(k) / k, "valid") if k else losses
    marks: dict[int, list[str]] = {}  # one marker per step, naming every change made there
    for change in h["changes"]:
        marks.setdefault(change.step, []).append(f"{change.name} {change.new:.3g}")
    applied = {"lr": trainer.optimizer.lr, "batch_size": trainer.batch_size,
               "momentum": trainer.optimizer.momentum}
    sliders = {"lr": lr, "batch_size": batch_size, "momentum": momentum}
    log = [str(c) for c in h["changes"][-8:]] + [
        f"queued: {name} → {value:.3g} (applies at the next step)"
        for name, value in sliders.items() if value != applied[name]]
    diag = h["diag"]
    hints = diagnostics.hints(diag[-10:])
    t = trainer
    planned = max(t.target_epochs - t.epoch, 0) * len(t.X) / t.batch_size  # steps still to go
    message = (f"{t.status} · step {len(steps)} · epoch {t.epoch:.2f} · lr {t.optimizer.lr:.3g}"
               f" · batch size {t.batch_size} · momentum {t.optimizer.momentum:.2f}"
               + (f" · {t.message}" if t.message else ""))
    return {
        "steps": steps, "losses": losses, "smooth": (steps[k - 1:] if k else steps, smooth),
        "diag_steps": np.array(h["diag_steps"]),
        "ratios": np.array([r["update_ratio"] for r in diag]),
        "grad_norms": np.array([r["grad_norm"] for r in diag]),
        "dead": {name: np.array([r["dead"][name] for r in diag]) for name in
                 (diag[-1]["dead"] if diag else {})},
        "hist": _histograms(t.model, X_probe),
        "marks": [(step, ", ".join(texts)) for step, texts in marks.items()][-MARKS:],
        "log": log or ["none yet"], "x_max": step_above(max(len(steps) + planned, 100), _GRID),
        "hints": hints or ["all in the healthy range" if diag else "no steps yet"],
        "seen": (len(h["changes"]), t.status), "message": message,
        "level": {"blew up": "error", "running": "ok"}.get(t.status, "info"),
    }


def _histograms(model, X_probe) -> dict:
    """{layer name: (share per bin, bin edges)}; empty once the weights hold inf or NaN."""
    with np.errstate(all="ignore"):
        outputs = diagnostics.hidden_outputs(model, X_probe)
    if not all(np.isfinite(out).all() for out in outputs.values()):
        return {}
    return {name: (counts / counts.sum(), edges) for name, (counts, edges) in
            ((name, np.histogram(out, bins=30)) for name, out in outputs.items())}


def make_figure(num_layers: int, hidden_names) -> tuple[Figure, dict]:
    """Loss, update/weight, gradient norm, dead ReLUs, activation histograms; the curves of
    ``num_layers`` weight layers and of the hidden layers ``hidden_names`` are animated."""
    fig = Figure(figsize=(11, 5.2), dpi=100)  # a fixed layout: an engine doubles the drawing time
    grid = fig.add_gridspec(2, 3, left=0.06, right=0.985, bottom=0.09, top=0.94, wspace=0.25,
                            hspace=0.45)
    axes = [fig.add_subplot(grid[0, k]) for k in range(3)]
    axes += [fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1:])]
    ax_loss, ax_ratio, ax_grad, ax_dead, ax_hist = axes
    line = functools.partial(_line, animated=True)
    art = {"axes": axes, "raw": line(ax_loss, color="0.75", lw=0.8),
           "smooth": line(ax_loss, color=COLORS[4], lw=1.5, label=f"mean of {SMOOTH} steps"),
           "marks": [line(ax, color=COLORS[5], lw=1, ls="--", transform=ax.get_xaxis_transform())
                     for ax in axes[:4]],
           "mark_texts": [ax_loss.annotate("", (0, 0.98), xycoords=ax_loss.get_xaxis_transform(),
                                           xytext=(-2, 0), textcoords="offset points",
                                           rotation=90, va="top", ha="right", fontsize=7,
                                           color=COLORS[5], animated=True)
                          for _ in range(MARKS)]}
    for key, ax in (("ratio", ax_ratio), ("grad", ax_grad)):
        art[key] = [line(ax, color=COLORS[i % 6], label=f"layer {i + 1}")
                    for i in range(num_layers)]
        plain_log_axis(ax)
    art["dead"] = {n: line(ax_dead, color=COLORS[i % 6], label=n)
                   for i, n in enumerate(hidden_names) if n.startswith("ReLU")}
    art["hist"] = {n: ax_hist.stairs([0], [0, 1], color=COLORS[i % 6], label=n, animated=True)
                   for i, n in enumerate(hidden_names)}
    plain_log_axis(ax_loss)
    ax_loss.set(title="training loss (per batch)", xlabel="step")
    ax_ratio.axhspan(diagnostics.RATIO_LOW, diagnostics.RATIO_HIGH, color="0.93", zorder=0)
    ax_ratio.axhline(1e-3, color="0.5", lw=1, ls=":")
    ax_ratio.set(title="update / weight size (grey: healthy)", xlabel="step")
    ax_grad.set(title="gradient norm ||dL/dW||", xlabel="step")
    ax_dead.set(title="dead ReLUs (share of units)", xlabel="step", ylim=(-0.02, 1.02))
    ax_hist.set(title="hidden activations now", xlabel="value", ylabel="share", ylim=(0, 1))
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower left" if ax is ax_loss else "upper right", fontsize=8)
    return fig, art


def _line(ax, **kwargs):
    return ax.plot([], [], **kwargs)[0]


def draw(art, state) -> None:
    """Update the curves, markers and axes limits (they move in steps, so most frames blit)."""
    ax_loss, ax_ratio, ax_grad, ax_dead, ax_hist = art["axes"]
    art["raw"].set_data(state["steps"], state["losses"])
    art["smooth"].set_data(*state["smooth"])
    for key, values in (("ratio", state["ratios"]), ("grad", state["grad_norms"])):
        for i, curve in enumerate(art[key]):
            curve.set_data(state["diag_steps"], values[:, i] if len(values) else [])
    for name, curve in art["dead"].items():
        curve.set_data(state["diag_steps"], state["dead"].get(name, []))
    xs = [x for step, _ in state["marks"] for x in (step, step, np.nan)]
    for mark in art["marks"]:
        mark.set_data(xs, [0, 1, np.nan] * len(state["marks"]))
    for text, (step, label) in zip(art["mark_texts"], state["marks"] + [(0, "")] * MARKS):
        text.xy = (step, 0.98)
        text.set_text(label)
    for ax in (ax_loss, ax_ratio, ax_grad, ax_dead):
        ax.set_xlim(0, state["x_max"])
    for ax, values, (low, high) in ((ax_loss, state["losses"], LOSS_RANGE),
                                    (ax_ratio, state["ratios"], RATIO_RANGE),
                                    (ax_grad, state["grad_norms"], GRAD_RANGE)):
        values = np.asarray(values)[np.isfinite(values) & (np.asarray(values) > 0)]
        if len(values):  # the default range, widened by whole decades only if the data leave it
            low, high = min(low, decade_below(values.min())), max(high, decade_above(values.max()))
        ax.set_ylim(low, high)
    right = 1.0
    for name, (shares, edges) in state["hist"].items():
        art["hist"][name].set_data(shares, edges)
        right = max(right, edges[-1])
    ax_hist.set_xlim(min([0, *(e[0] for _, e in state["hist"].values())]),
                     step_above(right, _GRID))


class SteeringPanel(Panel):
    """Start, pause, one more epoch, stop; lr, batch size and momentum sliders; live curves.

    trainer: the ``Trainer`` to steer; num_epochs: what Start plans; redraw_every: seconds
    between two frames while training runs. The widgets are attributes (``start_button``,
    ``lr_slider``, ``change_log``, ...), so tests can press and move them.
    """

    def __init__(self, trainer: Trainer, *, num_epochs: float = 2.0, redraw_every: float = 1.0):
        if not isinstance(trainer, Trainer):
            raise TypeError(f"trainer must be a helpers.steer.Trainer; got {trainer!r:.80} "
                            f"({type(trainer).__name__})")
        self.num_epochs = check_positive_number("num_epochs", num_epochs)
        self.redraw_every = check_positive_number("redraw_every", redraw_every)
        for old in list(_PANELS):  # the cell re-run: its old panel must not train on
            old.close()
        self.trainer, self._loop, self._asked, self._last = trainer, None, False, 0.0
        self._seen = (0, trainer.status)  # (number of changes, status) at the last frame
        s = trainer.settings()
        self.lr_slider = lr_slider(s["lr"], min(1e-4, s["lr"]), max(10**0.5, s["lr"]),
                                   description="lr", step=0.1, continuous_update=False)
        self.batch_slider = selection_slider(
            sorted({b for b in BATCH_SIZES if b <= len(trainer.X)} | {s["batch_size"]}),
            s["batch_size"], description="batch size", continuous_update=False)
        self.momentum_slider = float_slider(s["momentum"], 0, 0.99, description="momentum",
                                            continuous_update=False)
        controls = {"lr": self.lr_slider, "batch_size": self.batch_slider,
                    "momentum": self.momentum_slider}
        for name, slider in controls.items():
            slider.layout.width, slider.style.description_width = "330px", "80px"
            slider.observe(lambda change, name=name: self.move(name, change["new"]), "value")
        buttons = {}
        for name, label, style in (("start", "Start", "success"), ("pause", "Pause", ""),
                                   ("epoch", "One more epoch", ""), ("stop", "Stop", "danger")):
            buttons[name] = widgets.Button(description=label, button_style=style)
            buttons[name].on_click(lambda _, name=name: self.press(name))
        self.start_button, self.pause_button = buttons["start"], buttons["pause"]
        self.epoch_button, self.stop_button = buttons["epoch"], buttons["stop"]
        self.change_log = widgets.HTML(layout={"width": "40%"})
        self.change_log.add_class("steer-log")
        self.hint_box = widgets.HTML(layout={"width": "60%"})
        layers = len(diagnostics.linear_layers(trainer.model))
        names = list(diagnostics.hidden_outputs(trainer.model, trainer.X[:1]))
        super().__init__(controls, functools.partial(compute, trainer, trainer.X[:256]),
                         functools.partial(make_figure, layers, names), draw, watch=False)
        self.children = [widgets.HBox(list(buttons.values())),
                         widgets.HBox(list(controls.values())), self.message, self.image,
                         widgets.HBox([self.change_log, self.hint_box])]
        trainer.listeners.append(self._after_step)
        _PANELS.add(self)
        self.refresh()

    def press(self, button: str) -> None:
        """"start", "pause", "epoch" or "stop": what the button of that name does."""
        trainer, refused = self.trainer, None
        self._loop = _running_loop()  # the kernel's: the training thread asks it for frames
        try:
            if button == "start":
                trainer.start(self.num_epochs) if trainer.status == "ready" else trainer.resume()
            elif button == "epoch":
                trainer.more_epochs(1)
            else:
                {"pause": trainer.pause, "stop": trainer.stop}[button]()
        except RuntimeError as exc:  # e.g. one more epoch of a stopped run
            refused = str(exc)
        self.refresh()
        if refused:
            self.message.value = message_html(refused, "error")

    def move(self, name: str, value) -> None:
        """A slider moved: queue the setting for the next step. While training runs, the step
        that applies it asks for the frame; otherwise draw it now (listed as queued)."""
        self.trainer.set(**{name: value})
        if not self.trainer.running:
            self.refresh()

    def show(self, state, *, full: bool = False) -> None:
        """The log and the hints (first: they are quick), then the frame and the message."""
        self._seen = state["seen"]
        self.change_log.value = "<b>changes</b><br>" + "<br>".join(state["log"])
        self.hint_box.value = "<b>diagnostics</b><br>" + "<br>".join(state["hints"])
        super().show(state, full=full)
        self._last = time.perf_counter()

    def _after_step(self, trainer: Trainer) -> None:
        """In the training thread, after each step: ask the kernel's loop for a frame when a
        change was applied, the run ended or ``redraw_every`` passed; never draw here."""
        due = (self._seen != (len(trainer.changes), trainer.status)
               or time.perf_counter() - self._last > self.redraw_every)
        if due and not self._asked and self._loop is not None and not self._loop.is_closed():
            self._asked = True
            self._loop.call_soon_threadsafe(self._frame)

    def _frame(self) -> None:  # on the kernel's thread; an error becomes the message
        self._asked = False
        self._scheduled_refresh()

    def close(self) -> None:
        """Stop the trainer (its thread is gone when this returns) and close the widgets."""
        if hasattr(self, "trainer"):  # not there when __init__ refused its arguments
            self.trainer.stop()
            self._loop = None
        _PANELS.discard(self)
        super().close()


def history_figure(trainer: Trainer, X_probe) -> Figure:
    """The panel's figure of ``trainer``'s history, drawn once (e.g. after a scripted run)."""
    names = list(diagnostics.hidden_outputs(trainer.model, X_probe[:1]))
    fig, art = make_figure(len(diagnostics.linear_layers(trainer.model)), names)
    s = trainer.settings()
    draw(art, compute(trainer, X_probe, s["lr"], s["batch_size"], s["momentum"]))
    for artist in fig.findobj(lambda a: a.get_animated()):
        artist.set_animated(False)  # a plain figure: savefig and the notebook draw them all
    return fig


def _running_loop():
    """The event loop running this code (a kernel's), or None in a plain script."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
