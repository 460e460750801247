"""Notebook 06's panel: the path of one optimizer next to plain GD's, on a valley.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: both runs and the message),
``make_figure`` (what never changes; the paths and losses are ``animated``), ``draw`` (updates
only those; new contours or legends redraw in full). The measurements behind it are in
``helpers.lab.optimizers``.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..blit import decade_above, decade_below
from ..lab.optimizers import (
    LANDSCAPES,
    LOSS_FLOOR,
    RACE,
    SUGGESTED_LR,
    VIEW,
    make_objective,
    max_stable_lr,
    run_optimizer,
    suggest_lr,
)
from ..plots import COLORS, plain_log_axis, plot_contours
from ..validate import check_choice, check_int, check_lr, check_positive_number
from ..widgets import Panel, dropdown, float_slider, int_slider, lr_slider

LR_MAX = 2.0  # the panel's largest learning rate




def compute(optimizer="momentum", lr=0.05, momentum=0.9, landscape="bowl", kappa=10.0,
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
    name = {"gd": "Plain GD", "momentum": "Momentum", "nesterov": "Nesterov",
            "rmsprop": "RMSProp", "adam": "Adam"}[state["optimizer"]]
    text = f"{name}: {_verdict(state, traj)}"
    if ref is not None:
        if ref.status == "converged":
            text += f" Plain GD at the same lr converged in {ref.converged_at} steps."
        else:
            text += f" Plain GD at the same lr: {ref.status}."
    if state["optimizer"] in ("gd", "rmsprop"):
        text += f" (The momentum slider does nothing for {name}.)"
    if state["landscape"] == "rosenbrock":
        text += " (κ applies to the bowl only.)"
    if traj.status in ("diverged", "diverging"):
        suggested = _lr_hint(state)
        text += (" Try a much smaller lr." if suggested is None
                 else f" Try lr ≈ {suggested:g}.")
    return text, _LEVELS[traj.status]


def _verdict(state, traj) -> str:
    """What the run did, in words: ``helpers.gd``'s verdict, reworded where the panel knows more.

    Only plain GD is promised to keep growing (its steps are lr × gradient, whatever happened
    before); momentum and the adaptive methods can overshoot and recover. A larger learning rate
    is offered only when one exists below the slider's end and the stability limit.
    """
    gaps, lr = state["gaps"], state["lr"]
    T = len(gaps) - 1
    start, end = _distinct(gaps[0], gaps[-1])
    if traj.status == "diverging":
        if state["optimizer"] == "gd":
            return (f"Diverging: the loss grew from {start} to {end} in {T} steps "
                    f"(lr {lr:g} is too large); it will keep growing.")
        return (f"Diverging: the loss grew from {start} to {end} over these {T} steps; "
                f"lr {lr:g} looks too large.")
    if traj.status == "converging":
        trend = (f"the loss fell from {start} to {end}" if gaps[-1] < gaps[0]
                 else f"the loss is {end} (it started at {start}) and falling")
        limit = max_stable_lr(state["landscape"], state["optimizer"], state["kappa"],
                                state["momentum"])
        # room to grow: twice this lr is still below the slider's end and the stability limit
        larger = ", or a larger learning rate," if 2 * lr <= min(LR_MAX, limit) else ""
        return f"Still converging after {T} steps: {trend}. More steps{larger} would get closer."
    if traj.status == "oscillating":
        return (f"Oscillating: after {T} steps the loss is {end}, neither shrinking nor growing "
                f"(it started at {start}).")
    return traj.message


def _distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with 3 significant digits, or more when needed to show that they differ."""
    for digits in range(3, 13):
        text_a, text_b = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if text_a != text_b or a == b:
            break
    return text_a, text_b


def _lr_hint(state) -> float | None:
    """A learning rate to suggest after a blow-up: below 90% of the current one, and checked.

    Starts from ``suggest_lr`` (or half the current lr if that is not clearly smaller), and
    halves until a run with the panel's other settings makes progress without growing.
    """
    lr = state["lr"]
    guess = suggest_lr(state["landscape"], state["optimizer"], state["kappa"], state["momentum"])
    guess = _round_down(guess if guess < 0.9 * lr else lr / 2)
    for _ in range(20):
        traj = run_optimizer(state["landscape"], state["optimizer"], guess, state["momentum"],
                             state["kappa"], state["num_steps"])
        if traj.status not in ("diverged", "diverging") and traj.losses[-1] < traj.losses[0]:
            return guess
        guess = _round_down(guess / 2)
    return None


def _round_down(x: float) -> float:
    """x rounded down to 2 significant digits (0.001998 -> 0.0019: never up, past a limit)."""
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / scale * (1 + 1e-9)) * scale



# ---- the panel ----------------------------------------------------------------------------------

def make_figure(landscape="bowl", kappa=10.0):
    """The figure: contours of the landscape (left), f − f_min against the step (right).
    Returns (fig, artists); the contours are drawn by ``draw`` when the landscape changes."""
    fig = Figure(figsize=(9.0, 4.0))
    ax_path, ax_loss = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.3)
    moving = {"animated": True}
    art = {"ax_path": ax_path, "ax_loss": ax_loss, "contours_for": None, "legends_for": None}
    (art["loss"],) = ax_loss.plot([], [], lw=1.5, **moving)
    (art["ref_loss"],) = ax_loss.plot([], [], "--", color=COLORS["gd"], lw=1, alpha=0.7,
                                      label="plain GD, same lr", **moving)
    art["blowup"] = ax_loss.axvline(0, color=COLORS["unstable"], lw=1, ls=":",
                                    label="blew up here", **moving)
    art["note"] = ax_loss.text(0.5, 0.5, "", transform=ax_loss.transAxes, ha="center",
                               color=COLORS["unstable"], fontsize=11, **moving)
    plain_log_axis(ax_loss)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("f(x_t) − f_min (log scale)")
    ax_loss.set_title("loss against steps")
    return fig, art


def _draw_contours(art, state):
    """Contours of the chosen landscape, with fresh path artists on them."""
    ax = art["ax_path"]
    ax.clear()
    plot_contours(make_objective(state["landscape"], state["kappa"]), ax=ax,
                  xlim=state["xlim"], ylim=state["ylim"], num=120)
    ax.set_title("path on the contours of f")
    (art["ref_path"],) = ax.plot([], [], "--", color=COLORS["gd"], lw=1, alpha=0.6,
                                 label="plain GD, same lr", animated=True)
    (art["path"],) = ax.plot([], [], "-o", ms=2.5, lw=1.2, label="chosen optimizer",
                             animated=True)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["curve"], ms=6, label="start",
                              animated=True)


def draw(art, state):
    """Left: the path (and GD's, dashed) on the contours; right: f − f_min against the step.
    Returns True when the contours or a legend changed (a full redraw)."""
    ax_loss = art["ax_loss"]
    full = False
    contours_for = (state["landscape"], state["kappa"] if state["landscape"] == "bowl" else None)
    if art["contours_for"] != contours_for:  # contours only change with the landscape
        _draw_contours(art, state)
        art["contours_for"], full = contours_for, True
    color = COLORS[state["optimizer"]]
    xs, ref, gaps, ref_gaps = state["xs"], state["ref_xs"], state["gaps"], state["ref_gaps"]
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])
    art["ref_path"].set_data(*((ref[:, 0], ref[:, 1]) if ref is not None else ([], [])))
    art["loss"].set_data(np.arange(len(gaps)), gaps)
    if ref_gaps is not None:
        art["ref_loss"].set_data(np.arange(len(ref_gaps)), ref_gaps)
    art["ref_loss"].set_visible(ref_gaps is not None)
    art["blowup"].set_visible(state["diverged_at"] is not None)
    if state["diverged_at"] is not None:
        art["blowup"].set_xdata([state["diverged_at"]] * 2)
    art["note"].set_text("" if state["diverged_at"] is None
                         else f"blew up at step {state['diverged_at']}")
    shown = [gaps] + ([ref_gaps] if ref_gaps is not None else [])
    low = min(float(np.min(g)) for g in shown)
    high = max(float(np.max(g)) for g in shown)
    ax_loss.set_ylim(decade_below(max(low / 3, LOSS_FLOOR)), decade_above(high * 3))
    # a run that blew up early gets a zoomed axis, so its few steps stay visible
    ax_loss.set_xlim(0, max(10, max(len(g) for g in shown)))
    legends_for = (contours_for, state["optimizer"], ref is not None,
                   state["diverged_at"] is not None)
    if art["legends_for"] != legends_for:  # legends are background: redraw in full
        _draw_legends(art, state, color)
        art["legends_for"], full = legends_for, True
    return full


def _draw_legends(art, state, color):
    ref = state["ref_xs"] is not None
    for line in (art["path"], art["loss"]):
        line.set_color(color)
        line.set_label(state["optimizer"])
    art["ref_path"].set_visible(ref)
    art["ref_path"].set_label("plain GD, same lr" if ref else "_hidden")  # no legend entry
    art["ax_path"].legend(loc="lower right" if state["landscape"] == "bowl" else "lower left",
                          fontsize=8)
    art["ax_loss"].legend(handles=[a for a in (art["loss"], art["ref_loss"], art["blowup"])
                                   if a.get_visible()], fontsize=8, loc="upper right")


def make_panel(optimizer="momentum", lr=None, momentum=0.9, landscape="bowl", kappa=10.0,
               num_steps=100) -> Panel:
    """The notebook's optimizer panel: the path of one optimizer and of plain GD, side by side.

    Changing the landscape moves the learning rate to ``suggest_lr`` for it (the two valleys
    need learning rates 100 times apart).
    """
    lr = SUGGESTED_LR[landscape][optimizer] if lr is None else lr
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
