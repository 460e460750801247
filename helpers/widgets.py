"""Sliders and the ``Panel``: the thin layer between a learner's mouse and a pure function.

A panel ties three things together:

1. ``controls``: sliders and menus, by name;
2. ``compute(**values) -> state``: a pure function of the slider values that does all the work
   (runs GD, draws samples, ...) and returns a dict with at least ``"message"``. It knows nothing
   about widgets, so the tests call it directly, and a headless test can set ``slider.value`` and
   read ``panel.state``;
3. ``draw(fig, state)``: updates the artists of ONE figure that the panel keeps for its lifetime
   (creating a new figure on every move costs about three times as much).

After every slider move the panel renders the figure to PNG bytes into an ``ipywidgets.Image``
and shows ``state["message"]`` above it. A ``ValueError`` from ``compute`` (a bad combination of
values) becomes the message; a learner never sees a traceback.
"""

from __future__ import annotations

import contextlib
import html
import math
import time

import ipywidgets as widgets

from .plots import figure_png
from .validate import check_int, check_positive_number

_SLIDER_LAYOUT = {"width": "460px"}
# Redraw when the handle is released (or a key is pressed), not at every pixel of a drag: a
# redraw costs 50-100 ms, and a drag would queue dozens of them.
_ON_RELEASE = {"continuous_update": False}
_SLIDER_STYLE = {"description_width": "110px"}

# Message levels -> colour of the message line (Okabe–Ito: green, orange, vermillion).
_LEVEL_COLORS = {"ok": "#007a5a", "warn": "#9a6700", "error": "#b3470a", "info": "#333333"}


def lr_slider(value=0.1, min=1e-3, max=1.5, *, description="learning rate", base=10, step=0.01,
              **kwargs):
    """A learning-rate slider on a log scale (each notch multiplies lr by the same factor).

    min, max: the range of lr itself. The slider moves the exponent of ``base`` in notches of
    ``step``, so only base**(log_base(min) + k·step) can be reached: choose base 2 and step 1/32
    to have 0.5 and 1 on the grid.
    """
    check_positive_number("min", min)
    check_positive_number("max", max)
    return widgets.FloatLogSlider(
        value=value,
        base=base,
        min=_log(min, base),
        max=_log(max, base),
        step=step,
        description=description,
        readout_format=".3g",
        layout=_SLIDER_LAYOUT,
        style=_SLIDER_STYLE,
        **{**_ON_RELEASE, **kwargs},
    )


def _log(x: float, base: float) -> float:
    """log_base(x), exact for powers of 10 and 2 (math.log(1e-4, 10) is -3.9999999999999996)."""
    exact = {10: math.log10, 2: math.log2}
    return exact[base](x) if base in exact else math.log(x) / math.log(base)


def batch_size_options(n_examples: int) -> list[int]:
    """1, 2, 4, 8, ... up to and including ``n_examples`` (the full batch)."""
    n_examples = check_int("n_examples", n_examples, low=1)
    options = [2**k for k in range(int(math.log2(n_examples)) + 1)]
    if options[-1] != n_examples:
        options.append(n_examples)
    return options


def batch_size_slider(n_examples: int, value=None, *, description="batch size", **kwargs):
    """A batch-size slider from 1 to the data set size, in powers of two plus the full batch."""
    options = batch_size_options(n_examples)
    value = n_examples if value is None else value
    if value not in options:
        raise ValueError(f"value must be one of the slider's batch sizes {options}; got {value!r}")
    return widgets.SelectionSlider(
        options=options,
        value=value,
        description=description,
        layout=_SLIDER_LAYOUT,
        style=_SLIDER_STYLE,
        **{**_ON_RELEASE, **kwargs},
    )


def int_slider(value, min, max, *, description, step=1, **kwargs):
    """An integer slider with the series' layout (e.g. number of steps)."""
    return widgets.IntSlider(
        value=value, min=min, max=max, step=step, description=description,
        layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE, **{**_ON_RELEASE, **kwargs},
    )


def float_slider(value, min, max, *, description, step=0.01, readout_format=".2f", **kwargs):
    """A float slider with the series' layout (e.g. start point, momentum)."""
    return widgets.FloatSlider(
        value=value, min=min, max=max, step=step, description=description,
        readout_format=readout_format, layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE,
        **{**_ON_RELEASE, **kwargs},
    )


def dropdown(options, value=None, *, description, **kwargs):
    """A menu (e.g. the optimizer) with the series' layout."""
    return widgets.Dropdown(
        options=options, value=value if value is not None else list(options)[0],
        description=description, layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE, **kwargs,
    )


def message_html(text: str, level: str = "info") -> str:
    """The message line's HTML: plain text, coloured by level ("ok", "warn", "error", "info")."""
    color = _LEVEL_COLORS.get(level, _LEVEL_COLORS["info"])
    return (
        f'<div class="panel-message" style="color:{color}; font-size:14px; min-height:1.5em">'
        f"{html.escape(str(text))}</div>"
    )


class Panel(widgets.VBox):
    """Sliders + a message line + one figure, kept in step by a pure ``compute`` function.

    controls: {name: widget}; each widget's ``value`` is passed to ``compute`` by that name.
    compute: ``compute(**values) -> dict`` with a ``"message"`` (and optional ``"level"``).
    draw: ``draw(fig, state)`` updates the figure from the state.
    fig: a ``matplotlib.figure.Figure`` made with ``Figure(...)``, not pyplot, so the notebook
        does not also show it as a static image.
    """

    def __init__(self, controls, compute, draw, fig, *, extra=()):
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.fig = fig
        self.state = None
        self._held = 0  # > 0 while hold_refresh() batches several control changes
        self._stale = False
        self.render_seconds = None  # how long the last update took, compute + draw + PNG
        self.message = widgets.HTML(value=message_html(""))
        width = f"{fig.get_figwidth() * 100:.0f}px"
        self.image = widgets.Image(format="png", layout={"width": width})
        super().__init__([*self.controls.values(), *extra, self.message, self.image])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Recompute the state from the controls, redraw, and update the message."""
        start = time.perf_counter()
        try:
            state = self.compute(**self.values())
        except ValueError as exc:  # a combination the maths does not allow: say so, keep the plot
            self.message.value = message_html(str(exc), "error")
            return
        self.state = state
        self.draw(self.fig, state)
        self.image.value = figure_png(self.fig)
        self.message.value = message_html(state.get("message", ""), state.get("level", "info"))
        self.render_seconds = time.perf_counter() - start

    def _on_change(self, change) -> None:
        if self._held:
            self._stale = True
        else:
            self.refresh()

    @contextlib.contextmanager
    def hold_refresh(self):
        """Change several controls at once, with one refresh at the end instead of one each."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if not self._held and self._stale:
                self._stale = False
                self.refresh()

    @property
    def message_text(self) -> str:
        """The message as plain text (what a learner reads)."""
        text = self.message.value
        start = text.find(">") + 1
        return html.unescape(text[start : text.rfind("</div>")])
