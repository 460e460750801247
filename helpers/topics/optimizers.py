"""Notebook 07: momentum, RMSProp and Adam on a narrow bowl and a curved valley, raced fairly.

Measurements: the three landscapes and one optimizer's run on them (``run``), the condition
number a per-coordinate step size leaves (``preconditioned_kappa``), the fair race
(``tune_lr``, ``race``, ``ranking``). Figures: ``plot_landscape``, ``plot_runs``. The panel:
``optimizer_panel`` (its pure part is ``panel_state``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.gd import minimize
from helpers.kit.blit import decade_above, decade_below, step_above
from helpers.kit.checks import check_choice, check_fraction, check_positive
from helpers.kit.plots import COLORS, plain_log_axis, plot_contours
from helpers.kit.text import approx
from helpers.kit.widgets import Panel, dropdown, float_slider, lr_slider
from helpers.objectives import QuadraticBowl, Rosenbrock
from helpers.optim import make_optimizer

RACE = ("gd", "momentum", "nesterov", "rmsprop", "adam")
NAMES = {"gd": "plain GD", "momentum": "momentum", "nesterov": "Nesterov", "rmsprop": "RMSProp",
         "adam": "Adam"}
LANDSCAPES = ("bowl", "turned bowl", "rosenbrock")
KAPPA = 25.0  # the narrow bowl: 25 times steeper across than along
# start points: the turned bowl's start is the bowl's, turned with it by 45°
X0 = {"bowl": (-1.8, 1.2), "turned bowl": (-3.0 / 2**0.5, -0.6 / 2**0.5), "rosenbrock": (-1.5, 2.0)}
VIEW = {"bowl": ((-2.0, 2.0), (-1.5, 1.5)), "turned bowl": ((-2.5, 2.5), (-2.0, 2.0)),
        "rosenbrock": ((-2.0, 2.0), (-1.0, 3.0))}
NUM_STEPS = {"bowl": 200, "turned bowl": 200, "rosenbrock": 2000}  # the budget of a run
TOL = 1e-8  # "there": the loss within TOL of the minimum
GRID = 10.0 ** (np.arange(-16, 1) / 4)  # the race's lr grid: 1e-4 … 1, four per decade
SHIFTED = GRID * 10 ** (1 / 8)  # the same grid moved by half a grid step
LOSS_FLOOR = 1e-20  # f − f_min is clipped here on log axes


# ---- measurements --------------------------------------------------------------------------

def make_objective(landscape: str):
    """The κ = 25 bowl ½ xᵀAx (axes-aligned or turned by 45°), or Rosenbrock's valley."""
    if landscape == "rosenbrock":
        return Rosenbrock()
    return QuadraticBowl(kappa=KAPPA, angle_deg=45.0 if landscape == "turned bowl" else 0.0)


def hyper(optimizer: str, momentum: float) -> dict:
    """What "momentum" means for each optimizer: SGD's β; Adam's β1 (β2 stays 0.999); nothing
    for plain GD and RMSProp."""
    if optimizer in ("momentum", "nesterov"):
        # Nesterov with β = 0 is plain GD (torch refuses nesterov=True without momentum)
        return {"momentum": momentum, "nesterov": optimizer == "nesterov" and momentum > 0}
    return {"betas": (momentum, 0.999)} if optimizer == "adam" else {}


def run(landscape: str, optimizer: str, lr: float, momentum: float = 0.9, num_steps=None):
    """One optimizer from the landscape's start: a ``helpers.gd.Trajectory`` (xs (T+1, 2))."""
    num_steps = NUM_STEPS[landscape] if num_steps is None else num_steps
    name = "momentum" if optimizer == "nesterov" else optimizer
    return minimize(make_objective(landscape), X0[landscape], name, lr=lr, num_steps=num_steps,
                    tol=TOL, **hyper(optimizer, momentum))


def preconditioned_kappa(landscape: str, optimizer: str, lr: float, num_steps: int) -> float:
    """κ of P⁻¹A after ``num_steps`` steps of RMSProp or Adam on a bowl: P = diag(√v̂ + eps) is
    the per-coordinate divisor the optimizer has built up. 1: a round bowl; KAPPA: no help."""
    bowl = make_objective(landscape)
    x, g = np.array(X0[landscape], dtype=float), np.zeros(2)
    opt = make_optimizer(optimizer, [(x, g)], lr=lr)
    for _ in range(num_steps):
        g[...] = bowl.grad(x)
        opt.step()
    state = opt.state[0]
    v_hat = (state["square_avg"] if optimizer == "rmsprop"
             else state["exp_avg_sq"] / (1 - opt.betas[1] ** opt.t))
    p = 1 / np.sqrt(np.sqrt(v_hat) + opt.eps)  # P^(-1/2): P⁻¹A has the eigenvalues of P^(-½)AP^(-½)
    eig = np.linalg.eigvalsh(p[:, None] * bowl.A * p[None, :])
    return float(eig[-1] / eig[0])


def score(traj, tol: float = TOL) -> tuple[float, float]:
    """(the step from which the loss stays within tol, else inf; the final loss gap), inf for a
    blow-up. Smaller is better, the first entry first."""
    if traj.diverged_at is not None:
        return np.inf, np.inf
    above = np.flatnonzero(traj.losses > tol)  # f_min = 0 on all three landscapes
    if above.size and above[-1] == traj.num_steps:
        return np.inf, float(traj.losses[-1])
    return float(above[-1] + 1 if above.size else 0), float(traj.losses[-1])


def tune_lr(landscape: str, optimizer: str, lrs=GRID) -> dict:
    """The best lr of the grid ``lrs`` by ``score``, β at its default 0.9: {"lr", "score",
    "traj", "on_edge" (the best lr is the grid's first or last)}."""
    trajs = [run(landscape, optimizer, lr) for lr in lrs]
    scores = [score(traj) for traj in trajs]
    best = min(range(len(lrs)), key=lambda i: scores[i])
    return {"lr": float(lrs[best]), "score": scores[best], "on_edge": best in (0, len(lrs) - 1),
            "traj": trajs[best]}


def race(landscape: str, lrs=GRID, names=RACE) -> dict:
    """{optimizer: tune_lr(...)}: the same budget, the same lr grid and score for each."""
    return {name: tune_lr(landscape, name, lrs) for name in names}


def ranking(*races, margin: float = 0.1) -> list[list[str]]:
    """Groups of tied optimizers, best first. Each optimizer's scores on the races (e.g. on two lr
    grids) span an interval; a win needs its worst score to beat the other's best by ``margin``
    (10%: fewer steps, or else a lower final loss); anything closer is a tie."""
    spans = {name: (min(r[name]["score"] for r in races), max(r[name]["score"] for r in races))
             for name in races[0]}
    groups, reach = [], None
    for name in sorted(spans, key=lambda n: spans[n]):
        if reach is not None and not _clearly_better(reach, spans[name][0], margin):
            groups[-1].append(name)  # within the group's reach: a tie
            reach = max(reach, spans[name][1])
        else:
            groups.append([name])
            reach = spans[name][1]
    return groups


def _clearly_better(a, b, margin) -> bool:
    """Score a beats score b by more than ``margin``: fewer steps, or (neither got there) a
    lower final loss."""
    if np.isfinite(a[0]) or np.isfinite(b[0]):
        return a[0] * (1 + margin) < b[0]
    return a[1] * (1 + margin) < b[1]


def describe_score(result: dict) -> str:
    """'122 steps (lr 0.075)' or 'f ≈ 0.052 after 2000 steps (lr 0.00133)' for a tune_lr result
    (a loss that never got within TOL is an estimate: where a hovering run stands is chaotic)."""
    steps, loss = result["score"]
    what = (f"{steps:.0f} steps" if np.isfinite(steps) else "diverged" if not np.isfinite(loss)
            else f"f {approx(loss, '.2g')} after {result['traj'].num_steps} steps")
    return f"{what} (lr {result['lr']:.3g})"


# ---- figures -------------------------------------------------------------------------------

def plot_landscape(landscape: str, ax=None):
    """Contours of the landscape with its minimum, in its view."""
    ax = plot_contours(make_objective(landscape), ax=ax, xlim=VIEW[landscape][0],
                       ylim=VIEW[landscape][1], levels=14, num=160)
    ax.set_title(f"{landscape}: path on the contours")
    return ax


def label_loss_axes(ax, num_steps: int):
    """The loss axes every figure of the notebook shares: log f − f_min against the step."""
    plain_log_axis(ax)
    ax.set_xlim(0, num_steps)
    ax.set_xlabel("step t")
    ax.set_ylabel("f(x_t) − f_min (log scale)")
    ax.set_title("loss against steps")
    return ax


def gaps(traj) -> np.ndarray:
    """f(x_t) − f_min, clipped at LOSS_FLOOR for log axes: (T+1,)."""
    return np.maximum(traj.losses, LOSS_FLOOR)  # f_min = 0 on all three landscapes


def plot_runs(runs: dict, landscape: str, axes=None):
    """runs: {label: (trajectory, colour)}: paths on the contours (left), losses (right)."""
    if axes is None:
        axes = plt.subplots(1, 2, figsize=(10.5, 4.2), width_ratios=[1, 1.2])[1]
    ax_path, ax_loss = axes
    plot_landscape(landscape, ax_path)
    for label, (traj, color) in runs.items():
        ax_path.plot(traj.xs[:, 0], traj.xs[:, 1], "-o", ms=2, lw=1, color=color, label=label)
        ax_loss.plot(gaps(traj), color=color, lw=1.4, label=label)
    ax_path.plot(*X0[landscape], "s", color=COLORS["curve"], ms=6)
    label_loss_axes(ax_loss, max(r[0].num_steps for r in runs.values()))
    ax_loss.legend(fontsize=8)
    return axes


# ---- the panel -----------------------------------------------------------------------------

_LEVELS = {"converged": "ok", "converging": "info", "oscillating": "warn", "diverging": "error",
           "diverged": "error"}
LR_MAX = 2.0


def panel_state(optimizer="momentum", lr=0.03, momentum=0.7, landscape="bowl") -> dict:
    """What the panel shows: the run, plain GD at the same lr (None for GD itself), the message."""
    traj = run(landscape, optimizer, lr, momentum)
    ref = None if optimizer == "gd" else run(landscape, "gd", lr)
    label = NAMES[optimizer] + (f" (β = {momentum:.2f})" if optimizer in ("momentum", "nesterov")
                                else f" (β1 = {momentum:.2f})" if optimizer == "adam" else "")
    message = f"{label}: {traj.message}"
    if ref is not None and ref.converged_at is not None:
        message += f" Plain GD at the same lr: within {TOL:g} in {ref.converged_at} steps."
    elif ref is not None:
        after = "" if ref.status == "diverged" else f", f = {ref.losses[-1]:.3g} at the end"
        message += f" Plain GD at the same lr: {ref.status}{after}."
    if optimizer in ("gd", "rmsprop"):
        message += f" (The β slider does nothing for {NAMES[optimizer]}.)"
    return {"traj": traj, "ref": ref, "landscape": landscape, "optimizer": optimizer,
            "label": label, "message": message, "level": _LEVELS[traj.status],
            "background": landscape}  # the contours shown: the still part of the figure


def _make_figure():
    fig = Figure(figsize=(10.5, 4.2))
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
    art = {"ax_path": ax_path, "ax_loss": ax_loss, "contours": {}}
    for landscape in LANDSCAPES:  # every landscape's contours, one shown at a time: the
        before = set(ax_path.get_children())  # background, kept per landscape (its "key")
        plot_landscape(landscape, ax_path)
        art["contours"][landscape] = list(set(ax_path.get_children()) - before)
    ax_path.set_title("path on the contours")
    moving = {"animated": True}
    (art["ref_path"],) = ax_path.plot([], [], "--", color=COLORS["gd"], lw=1, **moving)
    (art["path"],) = ax_path.plot([], [], "-o", ms=2, lw=1.2, **moving)
    (art["start"],) = ax_path.plot([], [], "s", color=COLORS["curve"], ms=6, **moving)
    art["name"] = ax_path.text(0.02, 0.97, "", transform=ax_path.transAxes, va="top", fontsize=10,
                               bbox={"fc": "white", "ec": "none", "alpha": 0.8}, **moving)
    (art["ref_loss"],) = ax_loss.plot([], [], "--", color=COLORS["gd"], lw=1,
                                      label="plain GD, same lr", **moving)
    (art["loss"],) = ax_loss.plot([], [], lw=1.5, ms=4, **moving)
    art["note"] = ax_loss.text(0.5, 0.5, "", transform=ax_loss.transAxes, ha="center",
                               color=COLORS["unstable"], fontsize=11, **moving)
    label_loss_axes(ax_loss, NUM_STEPS["bowl"])
    return fig, art


def _draw(art, state) -> None:
    landscape, traj, ref = state["landscape"], state["traj"], state["ref"]
    for name, artists in art["contours"].items():
        for artist in artists:
            artist.set_visible(name == landscape)
    (x_lo, x_hi), (y_lo, y_hi) = VIEW[landscape]
    art["ax_path"].set_xlim(x_lo, x_hi)
    art["ax_path"].set_ylim(y_lo, y_hi)
    color = COLORS[state["optimizer"]]
    art["path"].set_data(traj.xs[:, 0], traj.xs[:, 1])
    art["path"].set_color(color)
    art["start"].set_data([X0[landscape][0]], [X0[landscape][1]])
    art["ref_path"].set_data(*((ref.xs[:, 0], ref.xs[:, 1]) if ref is not None else ([], [])))
    art["name"].set_text(state["label"])
    art["name"].set_color(color)
    shown = [gaps(traj)] + ([gaps(ref)] if ref is not None else [])
    art["loss"].set_data(np.arange(len(shown[0])), shown[0])
    art["loss"].set(color=color, label=state["label"], marker="o" if len(shown[0]) < 30 else "")
    art["ref_loss"].set_data(*((np.arange(len(shown[1])), shown[1]) if ref is not None
                               else ([], [])))
    legend = art["ax_loss"].legend(handles=[art["loss"]] + [art["ref_loss"]] * (ref is not None),
                                   fontsize=8, loc="lower left")
    legend.set_animated(True)  # its entries change with the optimizer: drawn every frame
    art["note"].set_text(f"blew up at step {traj.diverged_at}" if traj.diverged_at else "")
    low = min(float(g.min()) for g in shown)
    high = max(float(g.max()) for g in shown)
    art["ax_loss"].set_ylim(decade_below(max(low, LOSS_FLOOR)), decade_above(high * 3))
    # a run that blew up gets a short step axis, so that its few steps show
    budget = NUM_STEPS[landscape]
    art["ax_loss"].set_xlim(0, step_above(traj.diverged_at or budget, (10, 100, budget)))


def optimizer_panel(optimizer="momentum", lr=0.03, momentum=0.7, landscape="bowl") -> Panel:
    """The optimizer panel: one optimizer's path and loss next to plain GD's at the same lr."""
    check_choice("optimizer", optimizer, RACE)
    check_choice("landscape", landscape, LANDSCAPES)
    check_positive("lr", lr)
    check_fraction("momentum", momentum)
    controls = {
        "optimizer": dropdown(RACE, optimizer, description="optimizer"),
        "lr": lr_slider(lr, min=1e-4, max=LR_MAX),
        "momentum": float_slider(momentum, 0.0, 0.99, description="β (momentum)"),
        "landscape": dropdown(LANDSCAPES, landscape, description="landscape"),
    }
    return Panel(controls, panel_state, _make_figure, _draw)
