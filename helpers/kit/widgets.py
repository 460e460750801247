"""Sliders and the ``Panel``: the thin layer between a learner's mouse and a pure function
(skip this file: a topic module's panel section is what to read).

Every panel of the course follows one contract, in three functions:

1. ``compute(**slider_values) -> state``: a pure function of the slider values that does all the
   work (runs GD, draws samples, ...) and returns a dict with a ``"message"`` (and optionally a
   ``"level"``: "ok", "warn", "error", "info"). No matplotlib, no widgets: tests call it directly.
   For a combination of values the mathematics does not allow, it raises ``NotAllowed``, whose
   text becomes the message (any other exception is a bug and is not hidden);
2. ``make_figure() -> (fig, artists)``: draws what never changes (axes, labels, legends) and
   makes every artist that will change with ``animated=True``; ``artists`` keeps them by name;
3. ``draw(artists, state)``: updates only animated artists (``line.set_data``,
   ``text.set_text``), and may add or remove animated ones. Axes limits may change too: the
   panel then draws the background again. A panel whose still parts change with a control (the
   contours of another landscape) says so in ``state["background"]``, a hashable value that
   names what they show; they may change only with it.

``Panel(controls, compute, make_figure, draw)`` runs it: after a slider move it computes the
state, draws, and shows a frame made by blitting (``helpers.kit.blit``: a stored background plus
the animated artists, 5-10× faster than drawing the whole figure), with the message above it.
Values that arrive while a frame is being drawn are folded into the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import time

import ipywidgets as widgets

from .blit import Frames
from .checks import check_choice, check_int, check_number, check_positive

SLIDER_LAYOUT = {"width": "460px"}
# Sliders follow the hand: a new value is sent while the handle is dragged. A panel whose frame
# is costly passes continuous_update=False (a new value when the handle is released).
_LIVE = {"continuous_update": True}
SLIDER_STYLE = {"description_width": "110px"}
# A slider event schedules a frame this much later on the kernel's event loop; events that
# arrive before it runs are folded into it (the frame reads the newest values).
COALESCE_SECONDS = 0.001

# Message levels -> colour of the message line (Okabe–Ito: green, orange, vermillion).
_LEVEL_COLORS = {"ok": "#007a5a", "warn": "#9a6700", "error": "#b3470a", "info": "#333333"}


def lr_slider(value=0.1, min=1e-3, max=1.5, *, description="learning rate", base=10, step=0.01,
              **kwargs):
    """A learning-rate slider on a log scale (each notch multiplies lr by the same factor).

    min, max: the range of lr itself. The slider moves the exponent of ``base`` in notches of
    ``step``, so only base**(log_base(min) + k·step) can be reached: choose base 2 and step 1/32
    to have 0.5 and 1 on the grid.
    """
    check_positive("min", min)
    check_positive("max", max)
    _check_in_range(check_positive("value", value), min, max)
    return widgets.FloatLogSlider(
        value=value,
        base=base,
        min=_log(min, base),
        max=_log(max, base),
        step=step,
        description=description,
        readout_format=".3g",
        layout=SLIDER_LAYOUT,
        style=SLIDER_STYLE,
        **{**_LIVE, **kwargs},
    )


def _check_in_range(value, low, high, name: str = "value") -> None:
    """A slider would silently clamp a value outside [min, max]: refuse it instead."""
    if not low <= high:
        raise ValueError(f"min must not exceed max; got min={low!r}, max={high!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must lie between min={low!r} and max={high!r}; got {value!r}")


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
    return selection_slider(options, value, description=description, **kwargs)


def selection_slider(options, value, *, description, **kwargs):
    """A slider over a list of values (e.g. numbers of steps) with the series' layout."""
    if isinstance(options, (str, bytes)) or not hasattr(options, "__len__") or not len(options):
        raise TypeError(f"options must be a non-empty list of values; got {options!r}")
    check_choice("value", value, options)
    return widgets.SelectionSlider(
        options=list(options), value=value, description=description, layout=SLIDER_LAYOUT,
        style=SLIDER_STYLE, **{**_LIVE, **kwargs},
    )


def int_slider(value, min, max, *, description, step=1, **kwargs):
    """An integer slider with the series' layout (e.g. number of steps)."""
    _check_in_range(check_int("value", value), check_int("min", min), check_int("max", max))
    return widgets.IntSlider(
        value=value, min=min, max=max, step=step, description=description,
        layout=SLIDER_LAYOUT, style=SLIDER_STYLE, **{**_LIVE, **kwargs},
    )


def float_slider(value, min, max, *, description, step=0.01, readout_format=".2f", **kwargs):
    """A float slider with the series' layout (e.g. start point, momentum)."""
    _check_in_range(check_number("value", value), check_number("min", min),
                    check_number("max", max))
    return widgets.FloatSlider(
        value=value, min=min, max=max, step=step, description=description,
        readout_format=readout_format, layout=SLIDER_LAYOUT, style=SLIDER_STYLE,
        **{**_LIVE, **kwargs},
    )


def dropdown(options, value=None, *, description, **kwargs):
    """A menu (e.g. the optimizer) with the series' layout."""
    if isinstance(options, (str, bytes)) or not hasattr(options, "__len__") or not len(options):
        raise TypeError(f"options must be a non-empty list of choices; got {options!r}")
    if value is not None:
        check_choice("value", value, options)
    return widgets.Dropdown(
        options=options, value=value if value is not None else list(options)[0],
        description=description, layout=SLIDER_LAYOUT, style=SLIDER_STYLE, **kwargs,
    )


def message_html(text: str, level: str = "info") -> str:
    """The message line's HTML: plain text, coloured by level ("ok", "warn", "error", "info")."""
    color = _LEVEL_COLORS[check_choice("level", level, _LEVEL_COLORS)]
    return (
        f'<div class="panel-message" style="color:{color}; font-size:14px; min-height:1.5em">'
        f"{html.escape(str(text))}</div>"
    )


class NotAllowed(ValueError):
    """Raised by a panel's ``compute`` for values the mathematics does not allow; its text is
    shown as the panel's message (in red), and the figure keeps its last picture."""


class Panel(widgets.VBox):
    """Sliders + a message line + one figure, kept in step by the panel contract (see above).

    controls: {name: widget}; each widget's ``value`` reaches ``compute`` by that name.
    extra, below: more widgets, shown above the message line and below the figure.
    watch: recompute when a control changes (False: the owner calls ``refresh`` itself).
    """

    def __init__(self, controls, compute, make_figure, draw, *, extra=(), below=(),
                 watch=True):
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.fig, self.artists = make_figure()
        self.frames = Frames(self.fig)
        self.state = None
        self._held = 0  # > 0 while hold_refresh() batches several control changes
        self._stale = False
        self._scheduled = False  # a frame is scheduled on the kernel's event loop
        self.render_seconds = None  # how long the last frame took: compute + draw + PNG
        self.message = widgets.HTML(value=message_html(""))
        width = f"{self.fig.get_figwidth() * 100:.0f}px"
        self.image = widgets.Image(format="png", layout={"width": width})
        super().__init__([*self.controls.values(), *extra, self.message, self.image, *below])
        if watch:
            for control in self.controls.values():
                control.observe(self._on_change, names="value")
            self.refresh()

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self, *, full: bool = False) -> None:
        """Recompute the state from the controls, draw a frame, show the message.

        full: redraw the whole figure, not a blitted frame.
        """
        start = time.perf_counter()
        try:
            state = self.compute(**self.values())
        except NotAllowed as exc:  # a combination the maths does not allow: say so, keep the plot
            self.message.value = message_html(str(exc), "error")
            return
        self.show(state, full=full)
        self.render_seconds = time.perf_counter() - start

    def show(self, state, *, full: bool = False) -> None:
        """Draw ``state`` into the figure, send the new frame, and show its message."""
        self.state = state
        self.draw(self.artists, state)
        self.image.value = self.frames.png(full=full, key=state.get("background"))
        self.message.value = message_html(state.get("message", ""), state.get("level", "info"))

    def _on_change(self, change) -> None:
        if self._held:
            self._stale = True
            return
        loop = running_loop()
        if loop is None:
            self.refresh()
        elif not self._scheduled:  # coalesce: the frame reads the newest values when it runs
            self._scheduled = True
            loop.call_later(COALESCE_SECONDS, self._scheduled_refresh)

    def _scheduled_refresh(self) -> None:
        self._scheduled = False
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001 - on the event loop nobody else would see it
            self.message.value = message_html(f"{type(exc).__name__}: {exc}", "error")

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
        return html.unescape(text[text.find(">") + 1 : text.rfind("</div>")])


def running_loop():
    """The event loop running this code (a kernel's), or None in a plain script or test."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
