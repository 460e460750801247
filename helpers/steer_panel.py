"""The steering panel: buttons and sliders that act on a ``helpers.steer.Trainer`` while it runs,
live curves with a marker at every change, a log of the changes, and the diagnostics' hints.

Thin on purpose: every button and slider calls one method of the trainer; what is drawn comes
from the trainer's history. While training runs, a drawing thread redraws the figure every
``redraw_every`` seconds, so that steps (and the settings they apply) never wait for a frame;
otherwise the kernel's thread draws. A lock keeps it to one drawing thread at a time.
"""

from __future__ import annotations

import io
import threading

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator
from PIL import Image

from helpers import diagnostics
from helpers.steer import Trainer
from helpers.validate import check_positive_number

COLORS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00"]  # Okabe-Ito
BATCH_SIZES = (1, 4, 16, 32, 64, 128, 256, 512)


def draw_history(trainer: Trainer, axes, X_probe: np.ndarray) -> None:
    """Draw the trainer's history on five axes: loss, update/weight, gradient norm, dead ReLUs,
    activation histograms (of the hidden layers' outputs on ``X_probe`` (n, n_in))."""
    history = trainer.snapshot()
    steps, losses, changes = history["steps"], history["losses"], history["changes"]
    diag_steps, diag = history["diag_steps"], history["diag"]
    for ax in axes:
        ax.clear()
    ax_loss, ax_ratio, ax_grad, ax_dead, ax_hist = axes
    if steps:
        ax_loss.plot(steps, losses, color="0.75", lw=0.8)
        k = min(20, len(losses))
        smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax_loss.plot(steps[k - 1:], smooth, color=COLORS[4], lw=1.5, label=f"mean of {k} steps")
        ax_loss.legend(loc="upper right", fontsize=8)
    labels: dict[int, list[str]] = {}  # one marker per step, naming every change made there
    for change in changes:
        labels.setdefault(change.step, []).append(f"{change.name} {change.new:.3g}")
    for step, texts in labels.items():
        for ax in (ax_loss, ax_ratio, ax_grad, ax_dead):
            ax.axvline(step, color=COLORS[5], lw=1, ls="--")
        ax_loss.annotate(", ".join(texts), (step, 0.98), xycoords=("data", "axes fraction"),
                         rotation=90, va="top", ha="right", fontsize=7, color=COLORS[5])
    if steps:
        ax_loss.set_yscale("log")
        ax_loss.yaxis.set_minor_locator(NullLocator())
    ax_loss.set(title="training loss (per batch)", xlabel="step")
    ax_ratio.axhline(1e-3, color="0.5", lw=1, ls=":")
    ax_ratio.axhspan(diagnostics.RATIO_LOW, diagnostics.RATIO_HIGH, color="0.93", zorder=0)
    if diag:
        ratios = [r["update_ratio"] for r in diag]
        for i, series in enumerate(np.array(ratios).T):
            ax_ratio.plot(diag_steps, series, color=COLORS[i % 6], label=f"layer {i + 1}")
            ax_grad.plot(diag_steps, np.array([r["grad_norm"][i] for r in diag]),
                         color=COLORS[i % 6], label=f"layer {i + 1}")
        for i, name in enumerate(diag[-1]["dead"]):
            ax_dead.plot(diag_steps, [r["dead"][name] for r in diag], color=COLORS[i % 6],
                         label=name)
        for ax in (ax_ratio, ax_grad):
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 3.0)))
            ax.yaxis.set_minor_locator(NullLocator())  # minor ticks cost more than the lines
        ax_ratio.legend(loc="upper right", fontsize=8)
    ax_ratio.set(title="update / weight size (grey: healthy)", xlabel="step")
    ax_grad.set(title="gradient norm ||dL/dW||", xlabel="step")
    ax_dead.set(title="dead ReLUs (share of units)", xlabel="step", ylim=(-0.02, 1.02))
    for i, (name, (counts, edges)) in enumerate(
            diagnostics.activation_histograms(trainer.model, X_probe).items()):
        ax_hist.stairs(counts / counts.sum(), edges, color=COLORS[i % 6], label=name)
    ax_hist.set(title="hidden activations now", xlabel="value", ylabel="share")
    if ax_hist.has_data():
        ax_hist.legend(loc="upper right", fontsize=8)


def new_figure():
    """(figure, five axes) for ``draw_history``, without pyplot (safe in any thread)."""
    fig = Figure(figsize=(11, 5.2), dpi=72)  # fixed layout: an engine doubles the drawing time
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 3, left=0.06, right=0.985, bottom=0.09, top=0.94, wspace=0.25,
                            hspace=0.45)
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
            fig.add_subplot(grid[0, 2]), fig.add_subplot(grid[1, 0]),
            fig.add_subplot(grid[1, 1:])]
    return fig, axes


def png(fig) -> bytes:
    """The figure as PNG bytes: one draw, then a fast PNG encoding (compress_level=1)."""
    fig.canvas.draw()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(buffer, format="PNG",
                                                               compress_level=1)
    return buffer.getvalue()


class SteeringPanel(widgets.VBox):
    """Start, pause, one more epoch, stop; lr, batch size and momentum sliders; live curves.

    trainer: the ``Trainer`` to steer; num_epochs: what Start plans; redraw_every: seconds
    between two frames while training runs. The widgets are attributes (``start_button``,
    ``lr_slider``, ``log``, ...), so tests can press and move them.
    """

    def __init__(self, trainer: Trainer, *, num_epochs: float = 2.0, redraw_every: float = 1.0):
        if not isinstance(trainer, Trainer):
            raise TypeError(f"trainer must be a helpers.steer.Trainer; got {trainer!r:.80} "
                            f"({type(trainer).__name__})")
        num_epochs = check_positive_number("num_epochs", num_epochs)
        redraw_every = check_positive_number("redraw_every", redraw_every)
        self.trainer, self.num_epochs, self.redraw_every = trainer, num_epochs, redraw_every
        self.X_probe = trainer.X[:256]
        self.fig, self.axes = new_figure()
        self._draw_lock, self._shown_changes = threading.Lock(), -1
        self._painter: threading.Thread | None = None
        self._wake = threading.Event()
        settings = trainer.settings()
        self.start_button = widgets.Button(description="Start", button_style="success")
        self.pause_button = widgets.Button(description="Pause")
        self.epoch_button = widgets.Button(description="One more epoch")
        self.stop_button = widgets.Button(description="Stop", button_style="danger")
        self.lr_slider = widgets.FloatLogSlider(value=settings["lr"], base=10, min=-4, max=0.5,
                                                step=0.1, description="lr",
                                                continuous_update=False, readout_format=".3g")
        self.batch_slider = widgets.SelectionSlider(
            options=sorted({*BATCH_SIZES, settings["batch_size"]}), value=settings["batch_size"],
            description="batch size", continuous_update=False)
        self.momentum_slider = widgets.FloatSlider(value=settings["momentum"], min=0, max=0.99,
                                                   step=0.01, description="momentum",
                                                   continuous_update=False)
        self.status_line = widgets.HTML()
        self.change_log = widgets.HTML(layout=widgets.Layout(width="40%"))
        self.change_log.add_class("steer-log")
        self.hint_box = widgets.HTML(layout=widgets.Layout(width="60%"))
        self.image = widgets.Image(format="png")
        self.start_button.on_click(lambda _: self.press("start"))
        self.pause_button.on_click(lambda _: self.press("pause"))
        self.epoch_button.on_click(lambda _: self.press("epoch"))
        self.stop_button.on_click(lambda _: self.press("stop"))
        for slider, name in ((self.lr_slider, "lr"), (self.batch_slider, "batch_size"),
                             (self.momentum_slider, "momentum")):
            slider.observe(lambda change, name=name: self.move(name, change["new"]), "value")
        trainer.listeners.append(self._after_step)
        super().__init__([
            widgets.HBox([self.start_button, self.pause_button, self.epoch_button,
                          self.stop_button]),
            widgets.HBox([self.lr_slider, self.batch_slider, self.momentum_slider]),
            self.status_line, self.image, widgets.HBox([self.change_log, self.hint_box])])
        self.refresh()

    # ---- what the controls do -------------------------------------------------------------

    def press(self, button: str) -> None:
        """"start", "pause", "epoch" or "stop": what the button of that name does."""
        trainer = self.trainer
        if button == "start":
            trainer.start(self.num_epochs) if trainer.status == "ready" else trainer.resume()
        elif button == "pause":
            trainer.pause()
        elif button == "epoch":
            trainer.more_epochs(1)
        elif button == "stop":
            trainer.stop()
        if trainer.running:
            self._start_painter()
            self._update_text()
        else:
            self._stop_painter()
            self.refresh()

    def move(self, name: str, value) -> None:
        """A slider moved: queue the new setting for the next step."""
        self.trainer.set(**{name: value})
        self._update_text()

    # ---- drawing --------------------------------------------------------------------------

    def _after_step(self, trainer: Trainer) -> None:
        """Called by the training thread after each step: update the texts when they change."""
        if len(trainer.changes) != self._shown_changes or trainer.status != "running":
            self._update_text()
        if trainer.status != "running":
            self._wake.set()  # the drawing thread draws the last frame and ends

    def _start_painter(self) -> None:
        if self._painter is None or not self._painter.is_alive():
            self._wake.clear()
            self._painter = threading.Thread(target=self._paint, name=DRAWING_THREAD,
                                             daemon=True)
            self._painter.start()

    def _paint(self) -> None:
        while self.trainer.running:
            self._wake.wait(self.redraw_every)
            self._wake.clear()
            self.refresh()
        self.refresh()

    def _stop_painter(self) -> None:
        self._wake.set()
        painter = self._painter
        if painter is not None and painter is not threading.current_thread():
            painter.join()

    def _update_text(self) -> None:
        t = self.trainer
        pending = {k: v for k, v in t.settings().items()
                   if v != {"lr": t.optimizer.lr, "batch_size": t.batch_size,
                            "momentum": t.optimizer.momentum}[k]}
        self.status_line.value = (
            f"<b>{t.status}</b> · step {len(t.steps)} · epoch {t.epoch:.2f} · lr "
            f"{t.optimizer.lr:.3g} · batch size {t.batch_size} · momentum "
            f"{t.optimizer.momentum:.2f}" + (f" · {t.message}" if t.message else ""))
        self._shown_changes = len(t.changes)
        lines = [str(change) for change in t.changes[-8:]]
        lines += [f"queued: {k} → {v:.3g} (applies at the next step)"
                  for k, v in pending.items()]
        self.change_log.value = "<b>changes</b><br>" + ("<br>".join(lines) or "none yet")
        hints = t.hints()
        self.hint_box.value = ("<b>diagnostics</b><br>" + ("<br>".join(hints) if hints else
                               "all in the healthy range" if t.diag else "no steps yet"))

    def refresh(self, block: bool = True) -> None:
        """Redraw the figure and the texts (skipped if another thread is drawing and not block)."""
        if not self._draw_lock.acquire(blocking=block):
            return
        try:
            draw_history(self.trainer, self.axes, self.X_probe)
            self.image.value = png(self.fig)
        finally:
            self._draw_lock.release()
        self._update_text()

    def close(self) -> None:
        """Stop the trainer and the drawing thread, and close the widgets."""
        if hasattr(self, "_wake"):  # not there when __init__ refused its arguments
            self.trainer.stop()
            self._stop_painter()
        super().close()


DRAWING_THREAD = "helpers.steer_panel drawing"


def drawing_threads() -> list[threading.Thread]:
    """The panels' drawing threads alive right now (empty when nothing trains)."""
    return [t for t in threading.enumerate() if t.name == DRAWING_THREAD and t.is_alive()]
