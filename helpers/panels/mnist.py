"""Notebook 05b's panel: train a network on MNIST with the sliders' settings, live, run after run.

The panel contract (``helpers.widgets.Panel``), with training as ``compute``: it runs when
Train is pressed, not when a slider moves; ``draw`` draws every run's curves. The experiment is
``helpers.experiment.run_experiment``; the curves and the table of runs are drawn by
``helpers.figures.mnist``.
"""

from __future__ import annotations

import functools
import math
import time

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..experiment import DEFAULTS, _check_mnist, run_experiment, split_validation
from ..figures.mnist import plot_runs, run_label, runs_table_html
from ..lab.mnist import HIDDEN_OPTIONS
from ..optim import OPTIMIZERS
from ..train import History
from ..validate import check_positive_number, check_seed
from ..widgets import (
    SLIDER_LAYOUT,
    SLIDER_STYLE,
    Panel,
    batch_size_slider,
    dropdown,
    int_slider,
    lr_slider,
    message_html,
    selection_slider,
)


class TrainingPanel(Panel):
    """Sliders, a Train button, a progress bar, a live figure and a table of runs.

    data: an ``MNIST`` (split with ``split_validation`` if it has no validation set). Each press
    of Train runs ``run_experiment`` with the sliders' values and the same ``seed``, draws the
    loss and accuracy while it trains, then adds a row to the table. Headless use:
    ``panel.train_button.click()`` trains synchronously; ``panel.runs`` holds the finished runs,
    ``panel.state`` the last one, ``panel.message_text`` its message.
    """

    def __init__(self, data, *, seed: int = 0, redraw_seconds: float = 0.25, **defaults):
        settings = {**DEFAULTS, **defaults}
        _check_mnist(data)
        self.data = data = split_validation(data)  # runs are compared on validation digits
        self.seed = check_seed(seed)
        self.redraw_seconds = check_positive_number("redraw_seconds", redraw_seconds,
                                                    allow_zero=True)  # 0: every update
        self.runs: list[dict] = []
        self.frames_drawn = 0  # how many times the figure was rendered (the live updates)
        n = len(data.X_train)
        controls = {
            "lr": lr_slider(settings["lr"], min=1e-4, max=10.0),
            "batch_size": batch_size_slider(n, settings["batch_size"]),
            "num_epochs": int_slider(settings["num_epochs"], 1, 20, description="epochs"),
            "hidden": selection_slider(HIDDEN_OPTIONS, settings["hidden"],
                                       description="hidden units"),
            "optimizer": dropdown(OPTIMIZERS, settings["optimizer"], description="optimizer"),
        }
        self.train_button = widgets.Button(description="Train", button_style="primary",
                                           icon="play", tooltip="train a new network")
        self.clear_button = widgets.Button(description="Clear runs", tooltip="empty the table")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                            layout=SLIDER_LAYOUT, style=SLIDER_STYLE)
        self.table = widgets.HTML(value="")
        self.train_button.on_click(lambda _button: self.train())
        self.clear_button.on_click(lambda _button: self.clear())
        buttons = widgets.HBox([self.train_button, self.clear_button])
        super().__init__(controls, functools.partial(run_experiment, data, seed=self.seed),
                         make_figure, draw, extra=(buttons, self.progress), below=(self.table,),
                         watch=False)
        self._show_runs("Choose the settings and press Train. Every run starts from the same "
                        "seed.")

    def train(self) -> dict | None:
        """Run one experiment with the current settings; show it live; add it to the table."""
        values = self.values()
        n = len(self.data.X_train)
        steps = math.ceil(n / values["batch_size"]) * values["num_epochs"]
        self.progress.max, self.progress.value = steps, 0
        self.progress.bar_style = ""
        label = run_label(len(self.runs) + 1, values)
        training = f"Training {label} ..."
        last = {"time": time.perf_counter(), "cost": 0.0}

        def live(history):
            # every log_every steps and at each epoch end: move the bar, redraw now and then,
            # never spending more than about a third of the time on drawing
            self.progress.value = history.num_steps
            now = time.perf_counter()
            if now - last["time"] >= max(self.redraw_seconds, 2 * last["cost"]):
                self._show_runs(training, current=(label, history))
                last["time"] = time.perf_counter()
                last["cost"] = last["time"] - now

        self._show_runs(training, current=(label, History()))  # the new run appears at once
        self.train_button.disabled = True
        try:
            result = self.compute(callbacks=(live,), log_every=max(1, steps // 50), **values)
        except (ValueError, TypeError) as exc:  # a setting the maths does not allow
            self.message.value = message_html(str(exc), "error")
            return None
        finally:
            self.train_button.disabled = False
        self.progress.value = result["num_steps"]
        bar_styles = {"ok": "success", "warn": "warning"}  # "error": "danger"
        self.progress.bar_style = bar_styles.get(result["level"], "danger")
        self.runs.append(result)
        self.state = result
        self._show_runs(f"Run {len(self.runs)}: {result['message']}", result["level"])
        self.table.value = runs_table_html(self.runs)
        return result

    def clear(self) -> None:
        """Forget every run: empty table, empty figure."""
        self.runs.clear()
        self.state = None
        self.table.value = ""
        self.progress.value = 0
        self._show_runs("Runs cleared. Press Train to start again.")

    def _show_runs(self, message: str, level: str = "info", current=None) -> None:
        self.show({"runs": self.runs, "current": current, "n_train": len(self.data.X_train),
                   "message": message, "level": level})
        self.frames_drawn += 1


def make_figure():
    """The runs figure: training loss (left) and validation accuracy (right) against epochs."""
    fig = Figure(figsize=(9.0, 3.6))
    fig.subplots(1, 2)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.28)
    return fig, {"fig": fig}


def draw(artists, state):
    """Draw every run (and the one training now) from scratch: the figure is redrawn whole."""
    plot_runs(artists["fig"], state["runs"], state["n_train"], current=state["current"])
    return True


def make_panel(data=None, **defaults) -> TrainingPanel:
    """The notebook's MNIST experiment panel; ``data`` defaults to the offline sample."""
    if data is None:
        from ..data import load_mnist

        data = load_mnist("sample", verbose=False)
    return TrainingPanel(data, **defaults)
