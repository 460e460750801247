"""Notebook 01's figures: the colours of the five regimes of GD on a·x².

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

from ..plots import COLORS

REGIME_COLORS = {
    "monotone convergence": COLORS["stable"],
    "one-step jump": "#000000",
    "oscillating convergence": "#56B4E9",
    "pure oscillation": "#CC79A7",
    "divergence": COLORS["unstable"],
}

