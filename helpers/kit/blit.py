"""Fast frames of a figure whose few changing artists are redrawn over a stored background
(skip this file: it is how a panel follows the hand, not what the course teaches).

Redrawing a whole figure (ticks, labels, legends) and encoding it as PNG takes 100-250 ms; a
slider that follows the hand needs a frame in a few tens of ms. Matplotlib's blitting does it:

1. the artists that change are made with ``animated=True`` (or ``artist.set_animated(True)``);
   a normal draw skips them, so it draws only what never changes: the background;
2. the background is drawn once and kept (``canvas.copy_from_bbox``);
3. each frame restores that background (``canvas.restore_region``) and draws only the animated
   artists on it (``figure.draw_artist``), then encodes the pixels as PNG with Pillow's fastest
   setting (``compress_level=1``: a larger file, made several times faster).

A change of the axes' limits or scales moves ticks and labels, which live in the background: then
the background is drawn again (a full redraw). The animated artists are looked up at every frame,
so an artist made (or removed) by a panel's ``draw`` is blitted like the others. Anything that is
not animated belongs to the background: it may change only together with the frame's ``key``
(a panel's ``state["background"]``, e.g. which landscape's contours are shown), and each set of
limits and key gets a background of its own (each panel's test checks that a blitted frame
equals a full redraw, pixel for pixel). A slider
dragged back and forth visits the same few limits again and again, so the background of each
is kept (up to ``KEPT_BACKGROUNDS``): coming back to limits already seen is a blit again. Saving
the figure with ``savefig`` still draws everything, animated artists included.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

PNG_COMPRESS_LEVEL = 1  # zlib level 1: about 5× faster than the default 6 for a 20% larger file
KEPT_BACKGROUNDS = 16  # backgrounds kept per figure, one per set of axes limits (~1 MB each)


def axes_limits(fig) -> tuple:
    """The limits and scales of every axes of ``fig``: when they change, the background changes."""
    return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale())
                 for ax in fig.axes)


def animated_artists(fig) -> list:
    """The artists of ``fig`` and of its axes marked ``animated``, in drawing order (zorder).

    Only direct children count: a normal draw skips exactly those, and an animated legend is
    drawn whole, with its texts and handles.
    """
    children = fig.get_children() + [a for ax in fig.axes for a in ax.get_children()]
    return sorted((a for a in children if a.get_animated()), key=lambda a: a.get_zorder())


def png_bytes(rgba) -> bytes:
    """PNG bytes of an (height, width, 4) RGBA uint8 buffer, encoded with the fastest setting
    (as RGB: a panel's figure is opaque, and the file is about 12% smaller)."""
    buffer = io.BytesIO()
    rgb = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    rgb.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


class Frames:
    """PNG frames of one figure: a full redraw when asked or when the axes moved to limits not
    seen since the last full redraw, else a blitted frame (a stored background plus the animated
    artists).

    fig: a ``matplotlib.figure.Figure``; its canvas becomes an Agg canvas (no pyplot, no window).
    After each frame, ``full_redraws`` and ``blits`` count what was done.
    """

    def __init__(self, fig):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.backgrounds = {}  # axes limits -> the background drawn with them (oldest first)
        self.full_redraws = 0
        self.blits = 0

    def png(self, *, full: bool = False, key=None) -> bytes:
        """The figure as PNG bytes; ``full=True`` draws the background again whatever the limits.

        key: what the non-animated artists show (hashable; None when they never change).
        """
        if full:
            self.backgrounds.clear()
        background = self.backgrounds.get((axes_limits(self.fig), key))
        if background is None:
            self.redraw_background(key)
        else:
            self.canvas.restore_region(background)
            self.blits += 1
        for artist in animated_artists(self.fig):
            self.fig.draw_artist(artist)
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))

    def redraw_background(self, key=None) -> None:
        """Draw everything that is not animated and keep it as the background of the current
        axes limits and ``key`` (the oldest is dropped past KEPT_BACKGROUNDS)."""
        self.canvas.draw()
        limits = (axes_limits(self.fig), key)
        self.backgrounds.pop(limits, None)
        self.backgrounds[limits] = self.canvas.copy_from_bbox(self.fig.bbox)
        while len(self.backgrounds) > KEPT_BACKGROUNDS:
            del self.backgrounds[next(iter(self.backgrounds))]
        self.full_redraws += 1


# ---- limits that stay put while a slider moves (so that most frames are blitted) --------------

def decade_above(x: float) -> float:
    """The smallest power of ten ≥ x (x > 0): a log axis's top that moves only by decades."""
    return 10.0 ** np.ceil(np.log10(x))


DECADES_BELOW = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200, 300)


def decade_below(x: float, ladder=DECADES_BELOW) -> float:
    """A power of ten ≤ x (x > 0), from 10^-1 down by one decade, then in bigger jumps
    (``ladder`` lists the exponents, negated): a log axis's bottom that seldom moves even when
    the smallest value drops by many decades per slider notch."""
    exponent = -np.log10(x)
    steps = [k for k in ladder if k >= exponent]
    return 10.0 ** -(steps[0] if steps else np.ceil(exponent))


def step_above(x: float, grid) -> float:
    """The first value of the increasing ``grid`` that is ≥ x (the last one if none is)."""
    return next((g for g in grid if g >= x), grid[-1])
