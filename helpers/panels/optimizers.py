"""Notebook 06a's panel: the path of one optimizer next to plain GD's, on a valley.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: both runs and the message,
here), ``make_figure`` and ``draw`` (``helpers.figures.optimizers``). The measurements behind it
are in ``helpers.lab.optimizers``.

It opens on the κ = 25 bowl at lr 0.03 with β = 0.7, where momentum reaches the minimum while
plain GD at the same lr is still crawling along the valley; β = 0.9 there spirals (the rate
√β ≈ 0.95 per step) and loses part of that lead.
"""

from __future__ import annotations

import numpy as np

from ..figures.optimizers import draw_panel as draw
from ..figures.optimizers import make_panel_figure as make_figure
from ..lab.optimizers import (
    LANDSCAPES,
    LOSS_FLOOR,
    RACE,
    VIEW,
    make_objective,
    run_optimizer,
    run_verdict,
    safer_lr,
    suggest_lr,
)
from ..validate import check_choice, check_int, check_lr, check_positive_number
from ..widgets import Panel, dropdown, float_slider, int_slider, lr_slider

LR_MAX = 2.0  # the panel's largest learning rate
NAMES = {"gd": "Plain GD", "momentum": "Momentum", "nesterov": "Nesterov", "rmsprop": "RMSProp",
         "adam": "Adam"}


def compute(optimizer="momentum", lr=0.03, momentum=0.7, landscape="bowl", kappa=25.0,
            num_steps=100) -> dict:
    """The panel's state: the chosen optimizer's path and losses, and plain GD at the same lr.

    Returns a dict with ``xs`` (T+1, 2), ``gaps`` (T+1,) f − f_min clipped at LOSS_FLOOR,
    ``status``, ``diverged_at``, ``converged_at``; ``ref_xs``, ``ref_gaps``, ``ref_status`` for
    GD (None when the chosen optimizer is GD); ``xlim``, ``ylim``, ``x_min``; ``message`` and
    ``level``.
    """
    optimizer = check_choice("optimizer", optimizer, RACE)
    landscape = check_choice("landscape", landscape, LANDSCAPES)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=1)
    kappa = check_positive_number("kappa", kappa)
    traj = run_optimizer(landscape, optimizer, lr, momentum, kappa, num_steps)
    ref = None if optimizer == "gd" else run_optimizer(landscape, "gd", lr, momentum, kappa,
                                                       num_steps)
    objective = make_objective(landscape, kappa)
    xlim, ylim = VIEW[landscape]
    state = {
        "landscape": landscape, "optimizer": optimizer, "lr": lr, "momentum": momentum,
        "kappa": kappa, "num_steps": num_steps,
        "xs": traj.xs, "gaps": _gaps(traj, objective), "status": traj.status,
        "diverged_at": traj.diverged_at, "converged_at": traj.converged_at,
        "ref_xs": None if ref is None else ref.xs,
        "ref_gaps": None if ref is None else _gaps(ref, objective),
        "ref_status": None if ref is None else ref.status,
        "xlim": xlim, "ylim": ylim, "x_min": np.asarray(objective.x_min, dtype=float),
    }
    state["message"], state["level"] = _message(state, traj, ref)
    return state


def _gaps(traj, objective) -> np.ndarray:
    return np.maximum(traj.losses - objective.f_min, LOSS_FLOOR)


_LEVELS = {"converged": "ok", "converging": "info", "oscillating": "warn",
           "diverging": "error", "diverged": "error"}


def _message(state, traj, ref) -> tuple[str, str]:
    name = NAMES[state["optimizer"]]
    text = f"{name}: " + run_verdict(traj, state["gaps"], state["landscape"], state["optimizer"],
                                      state["lr"], state["momentum"], state["kappa"], LR_MAX)
    if ref is not None:
        text += " " + _against_gd(name, state, traj, ref)
    if state["optimizer"] in ("gd", "rmsprop"):
        text += f" (The momentum slider does nothing for {name}.)"
    if state["landscape"] == "rosenbrock":
        text += " (κ applies to the bowl only.)"
    if traj.status in ("diverged", "diverging"):
        suggested = safer_lr(state["landscape"], state["optimizer"], state["kappa"],
                             state["momentum"], state["lr"], state["num_steps"])
        text += (" Try a much smaller lr." if suggested is None
                 else f" Try lr ≈ {suggested:g}.")
    return text, _LEVELS[traj.status]


def _against_gd(name, state, traj, ref) -> str:
    """Who is ahead after the same steps: the chosen optimizer or plain GD at the same lr."""
    T, gd_end = len(ref.losses) - 1, state["ref_gaps"][-1]
    if ref.status in ("diverged", "diverging"):
        return f"Plain GD at the same lr: {ref.status}."
    if ref.converged_at is not None:
        ahead = traj.converged_at is not None and traj.converged_at < ref.converged_at
        return (f"Plain GD at the same lr converged in {ref.converged_at} steps: "
                f"{name} is {'faster' if ahead else 'not faster'} here.")
    if traj.converged_at is not None:
        return f"Plain GD at the same lr is still at {gd_end:.2g} after {T} steps: {name} wins."
    if traj.status in ("diverged", "diverging") or state["gaps"][-1] > gd_end:
        return f"Plain GD at the same lr is ahead: its loss after {T} steps is {gd_end:.2g}."
    return (f"Plain GD at the same lr ends {gd_end / state['gaps'][-1]:.2g} times higher, at "
            f"{gd_end:.2g}: {name} is ahead.")


def make_panel(optimizer="momentum", lr=0.03, momentum=0.7, landscape="bowl", kappa=25.0,
               num_steps=100) -> Panel:
    """The notebook's optimizer panel: the path of one optimizer and of plain GD, side by side.

    lr=None starts at ``suggest_lr``; changing the landscape moves the learning rate there too
    (the two valleys need learning rates 100 times apart).
    """
    lr = suggest_lr(landscape, optimizer, kappa, momentum) if lr is None else lr
    controls = {
        "optimizer": dropdown(RACE, optimizer, description="optimizer"),
        "lr": lr_slider(lr, min=1e-4, max=LR_MAX),
        "momentum": float_slider(momentum, 0.0, 0.99, description="momentum β"),
        "landscape": dropdown(LANDSCAPES, landscape, description="landscape"),
        # a new κ draws new contours (a full redraw): on release
        "kappa": lr_slider(kappa, min=1.0, max=1000.0, step=0.05, description="κ (bowl)",
                           continuous_update=False),
        # a new number of steps rescales the loss axis (a full redraw): on release
        "num_steps": int_slider(num_steps, 10, 1000, step=10, description="steps",
                                continuous_update=False),
    }
    panel = Panel(controls, compute, make_figure, draw)

    def on_landscape(change):
        controls["kappa"].disabled = change["new"] != "bowl"
        controls["lr"].value = suggest_lr(change["new"], controls["optimizer"].value,
                                          controls["kappa"].value, controls["momentum"].value)

    controls["landscape"].observe(on_landscape, names="value")
    controls["kappa"].disabled = landscape != "bowl"
    return panel
