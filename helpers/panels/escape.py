"""Notebook 07, escaping local minima: does the noise of SGD help it leave a shallow minimum?

The landscape is ``helpers.objectives.DoubleWell``: the loss of example i is
ℓᵢ(x) = (x² − 1)² + tilt·x + cᵢ·x, and the full loss F(x) = mean ℓᵢ(x) has a deep minimum near
x = −1 and a shallow one near x = +1. A mini-batch gradient is F'(x) plus the mean of cᵢ over the
batch: the noise of SGD. Every run here starts at the bottom of the shallow minimum.

Many runs at once: ``x`` has shape (R,) (or (L, R) for L learning rates sharing the same batches),
each step draws a batch of B distinct examples per run, ``idx`` of shape (R, B), and calls
``DoubleWell.batch_grad(x, idx)``. Only the loop over steps is a Python loop.

- ``make_well``, ``noise_scale``, ``sample_batches``  the problem, lr/B·(N − B)/(N − 1), batches
- ``run_sgd``           R runs of mini-batch SGD (constant or decaying lr): where they went, when
- ``sweep``             escape / deep-basin / divergence fractions over batch sizes × learning rates
- ``gradient_noise``    the variance of a mini-batch gradient against the batch size, measured
- ``plot_*``            the notebook's figures (each takes ``ax=None`` or ``axes=None``)
- ``compute_escape`` (pure), ``draw_escape`` and ``make_panel()``: the interactive panel
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..objectives import DoubleWell
from ..plots import COLORS, PALETTE
from ..validate import (
    check_array,
    check_batch_size,
    check_int,
    check_ints,
    check_lr,
    check_number,
    check_numbers,
    check_positive_number,
    check_seed,
)
from ..widgets import Panel, batch_size_slider, int_slider, lr_slider

N_EXAMPLES = 64  # small enough that the finite-population factor (N − B)/(N − 1) is visible
TILT = 0.3  # F(x) = (x² − 1)² + 0.3·x: the minimum near +1 is 0.6 higher than the one near −1
NOISE = 8.0  # standard deviation of the per-example slopes cᵢ
BOUND = 3.0  # a run with |x| > BOUND is stopped and counted as diverged
CHUNK = 100  # batches are drawn for this many steps at a time


def make_well(n_samples: int = N_EXAMPLES, tilt: float = TILT, noise: float = NOISE, seed: int = 0):
    """The notebook's double well: ``DoubleWell(n_samples, tilt, noise, seed)``."""
    return DoubleWell(n_samples=n_samples, tilt=tilt, noise=noise, seed=seed)


def noise_scale(lr, batch_size, n_examples):
    """The noise scale of SGD: lr/B · (N − B)/(N − 1); 0 for the full batch B = N.

    lr, batch_size: numbers or arrays (broadcast). With batches of B distinct examples out of N,
    the variance of the batch-mean gradient is σ²/B · (N − B)/(N − 1), and one step moves x by
    lr times that noise, so the spread it adds per unit of lr·steps ("time") is ∝ lr/B·(N−B)/(N−1).
    """
    n_examples = check_int("n_examples", n_examples, low=2)
    lr = np.asarray(_check_lrs(lr))
    if np.ndim(batch_size) == 0:
        check_batch_size(batch_size, n_examples)
    else:
        check_ints("batch_size", batch_size, low=1, high=n_examples)
    batch_size = np.asarray(batch_size, dtype=float)
    scale = lr / batch_size * (n_examples - batch_size) / (n_examples - 1)
    return float(scale) if scale.ndim == 0 else scale


def lr_schedule(lr, lr_end, num_steps: int) -> np.ndarray:
    """The learning rate of steps 1 … num_steps: constant lr, or a geometric decay to lr_end.

    Geometric: lr_t = lr · (lr_end/lr)^((t − 1)/(num_steps − 1)), so step 1 uses lr and the last
    step lr_end (the same as ``ExponentialLR`` with gamma = (lr_end/lr)^(1/(num_steps − 1))).
    """
    lr = check_lr(lr)
    lr_end = None if lr_end is None else check_lr(lr_end, "lr_end")
    num_steps = check_int("num_steps", num_steps, low=1)
    t = np.arange(num_steps)
    if lr_end is None:
        return np.full(num_steps, float(lr))
    return lr * (lr_end / lr) ** (t / max(num_steps - 1, 1))


def sample_batches(rng, n_examples: int, batch_size: int, shape) -> np.ndarray:
    """Batches of ``batch_size`` distinct example indices, each drawn uniformly at random.

    shape: the leading shape, e.g. (num_steps, num_runs). Returns ints of shape (*shape, B); every
    row is a simple random sample without replacement, independent of the others.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {rng!r}")
    n_examples = check_int("n_examples", n_examples, low=1)
    batch_size = check_batch_size(batch_size, n_examples)
    shape = tuple(check_ints("shape", np.atleast_1d(shape) if np.ndim(shape) <= 1 else shape,
                             low=1))
    if batch_size == 1:
        return rng.integers(0, n_examples, size=(*shape, 1))
    if batch_size <= 8:
        # draw with replacement and redraw the batches that hold an example twice: what is left
        # is uniform over the sets of B distinct examples (cheap while repeats are rare)
        idx = rng.integers(0, n_examples, size=(math.prod(shape), batch_size))
        redo = np.flatnonzero(_has_repeats(idx))
        while len(redo):
            idx[redo] = rng.integers(0, n_examples, size=(len(redo), batch_size))
            redo = redo[_has_repeats(idx[redo])]
        return idx.reshape(*shape, batch_size)
    # random keys: the B examples with the smallest keys form a uniform random subset
    keys = rng.random((*shape, n_examples))
    return np.argsort(keys, axis=-1)[..., :batch_size]


def _check_lrs(lr):
    """A learning rate, or a 1-D array of them; returned as a float or a float array."""
    if np.ndim(lr) == 0:
        return check_lr(lr)
    return check_numbers("lr", lr, positive=True)


def _check_well(well) -> None:
    if not isinstance(well, DoubleWell):
        raise TypeError(f"well must be a DoubleWell (see make_well()); got {well!r}")


def _has_repeats(idx: np.ndarray) -> np.ndarray:
    """True for each batch (last axis) that holds some example twice."""
    repeated = np.zeros(idx.shape[:-1], dtype=bool)
    for i in range(idx.shape[-1]):
        for j in range(i + 1, idx.shape[-1]):
            repeated |= idx[..., i] == idx[..., j]
    return repeated


@dataclass
class SGDRuns:
    """What R runs of mini-batch SGD on the double well did (arrays of shape (R,) or (L, R)).

    x_final: the last iterate (for a diverged run, the last one with |x| <= bound).
    escaped_at: the step at which a run first got halfway down into the deep basin; -1 = never.
        (``escaped`` counts only the runs that also did not diverge.)
    crossings: how many times a run moved from one basin to the other (1 = escaped and stayed).
    diverged_at: the step at which |x| exceeded the bound (the run stopped there); -1 = never.
    paths: (T+1, k) the iterates x_0 … x_T of the first k runs (NaN after a divergence), or None.
    """

    x_final: np.ndarray
    escaped_at: np.ndarray
    crossings: np.ndarray
    diverged_at: np.ndarray
    final_loss: np.ndarray
    in_deep: np.ndarray
    paths: np.ndarray | None
    lr: np.ndarray
    batch_size: int
    num_steps: np.ndarray
    noise_scale: np.ndarray

    @property
    def escaped(self) -> np.ndarray:
        """Reached the deep basin and did not diverge (a run that flew out is not an escape)."""
        return (self.escaped_at >= 0) & (self.diverged_at < 0)

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def fraction(self, name: str) -> np.ndarray | float:
        """Share of runs (last axis) for which ``name`` ("escaped", "in_deep", "diverged") holds."""
        share = np.mean(getattr(self, name), axis=-1)
        return float(share) if np.ndim(share) == 0 else share

    def escaped_by(self, num_steps: int) -> np.ndarray:
        """Share of runs that had escaped at or before step t, for t = 0 … num_steps.

        As in ``escaped``, runs that diverged later are not counted at any step.
        """
        t = np.arange(num_steps + 1)
        hit = self.escaped[..., None] & (self.escaped_at[..., None] <= t)
        return hit.mean(axis=-2)


def run_sgd(well, lr, batch_size, num_steps, *, num_runs=200, seed=0, x0=None, lr_end=None,
            record=0, bound=BOUND):
    """Run ``num_runs`` independent copies of mini-batch SGD on ``well``: x ← x − lr·(batch grad).

    lr: a learning rate, or an array of L learning rates (results then have shape (L, R); the L
        rows see the very same batches, so they differ only through lr).
    batch_size: B from 1 to N; B = N is full-batch gradient descent (no noise at all).
    num_steps: steps per run; an int, or (L,) ints (a row stops after its own number of steps).
    x0: the start of every run (default: the shallow minimum). lr_end: if given, the learning rate
    decays geometrically from lr at step 1 to lr_end at the last step.
    record: keep the whole path x_0 … x_T of the first ``record`` runs (scalar lr only).
    bound: a run with |x| > bound is stopped and counted as diverged (so nothing overflows).
    Returns ``SGDRuns``.
    """
    _check_well(well)
    n = well.n_samples
    batch_size = check_batch_size(batch_size, n)
    num_runs = check_int("num_runs", num_runs, low=1)
    record = check_int("record", record, low=0, high=num_runs)
    bound = check_positive_number("bound", bound)
    seed = check_seed(seed)
    lrs = np.atleast_1d(_check_lrs(lr))
    if lr_end is not None:
        lr_end = check_lr(lr_end, "lr_end")
    steps = np.broadcast_to(np.asarray(num_steps), lrs.shape)
    for value in steps:
        check_int("num_steps", value, low=1)
    scalar = np.ndim(lr) == 0
    if record and not scalar:
        raise ValueError("record must be 0 when lr is an array of learning rates")
    x_start = well.shallow_min if x0 is None else check_number("x0", x0)
    if not abs(x_start) <= bound:
        raise ValueError(f"x0 must lie within ±{bound:g}; got {x0!r}")

    rng = np.random.default_rng(seed)
    shape = (len(lrs), num_runs)
    x = np.full(shape, x_start)
    alive = np.ones(shape, dtype=bool)
    escaped_at = np.full(shape, -1)
    diverged_at = np.full(shape, -1)
    crossings = np.zeros(shape, dtype=int)
    # which basin a run is in, with a margin: it changes side only once it is halfway down
    deep_side = x_start < well.barrier
    side = np.full(shape, -1 if deep_side else 1)
    into_deep = 0.5 * (well.barrier + well.deep_min)
    into_shallow = 0.5 * (well.barrier + well.shallow_min)
    total = int(steps.max())
    paths = np.full((total + 1, record), np.nan) if record else None
    if record:
        paths[0] = x_start
    lr_col = lrs[:, None]
    last = max(total - 1, 1)

    for start in range(0, total, CHUNK):
        size = min(CHUNK, total - start)
        # B = N: every step uses all examples, whose slopes cᵢ average to exactly zero
        idx = None if batch_size == n else sample_batches(rng, n, batch_size, (size, num_runs))
        for k in range(size):
            t = start + k + 1
            # constant, or decaying geometrically from lr (step 1) to lr_end (last step)
            step_lr = lr_col if lr_end is None else lr_col * (lr_end / lr_col) ** ((t - 1) / last)
            grad = well.grad(x) if idx is None else well.batch_grad(x, idx[k])
            x_new = x - step_lr * grad  # x ← x − lr · (mean gradient over the batch)
            active = alive & (t <= steps)[:, None]
            out = active & (np.abs(x_new) > bound)
            diverged_at[out] = t
            alive &= ~out
            moved = active & ~out
            x = np.where(moved, x_new, x)
            to_deep = moved & (side > 0) & (x < into_deep)
            to_shallow = moved & (side < 0) & (x > into_shallow)
            flipped = to_deep | to_shallow
            crossings += flipped
            side = np.where(to_deep, -1, np.where(to_shallow, 1, side))
            escaped_at[to_deep & (escaped_at < 0)] = t
            if record:
                paths[t] = np.where(alive[0, :record], x[0, :record], np.nan)

    in_deep = ~(diverged_at >= 0) & ((x < well.barrier) == (well.deep_min < well.barrier))
    result = SGDRuns(
        x_final=x, escaped_at=escaped_at, crossings=crossings, diverged_at=diverged_at,
        final_loss=well.f(x), in_deep=in_deep, paths=paths, lr=lrs, batch_size=batch_size,
        num_steps=steps.copy(), noise_scale=noise_scale(lrs, batch_size, n),
    )
    if scalar:  # drop the learning-rate axis
        for name in ("x_final", "escaped_at", "crossings", "diverged_at", "final_loss", "in_deep"):
            setattr(result, name, getattr(result, name)[0])
        result.lr, result.num_steps = float(lrs[0]), int(steps[0])
        result.noise_scale = float(result.noise_scale[0])
    return result


def sweep(well, lrs, batch_sizes, *, num_steps=None, time=None, num_runs=300, seed=0,
          x0=None) -> dict:
    """Escape statistics over batch sizes × learning rates: one ``run_sgd`` per batch size.

    lrs: (L,) learning rates for every batch size, or (len(batch_sizes), L): a row per batch size.
    Give either num_steps (the same for every run) or time: then a run at learning rate lr takes
    ceil(time/lr) steps, so every run covers the same "time" lr × steps.
    Returns a dict of arrays of shape (len(batch_sizes), L): "lr", "noise_scale", "num_steps",
    "escaped" (reached the deep basin without diverging), "in_deep", "diverged" (shares of the
    runs), "final_loss" (mean F(x_T) over the runs
    that did not diverge, NaN if all did), plus "batch_size" (len(batch_sizes),).
    """
    if (num_steps is None) == (time is None):
        raise ValueError("give exactly one of num_steps and time")
    _check_well(well)
    batch_sizes = check_ints("batch_sizes", batch_sizes, low=1, high=well.n_samples)
    if lrs is None or isinstance(lrs, str):
        raise TypeError(f"lrs must be an array of learning rates; got {lrs!r}")
    lrs = check_array("lrs", np.atleast_1d(lrs)).astype(float)
    if lrs.size == 0 or np.any(lrs <= 0):
        raise ValueError(f"lrs must hold positive learning rates; got {lrs!r}")
    seed = check_seed(seed)
    if time is not None:
        time = check_positive_number("time", time)
    table = np.broadcast_to(lrs, (len(batch_sizes), lrs.shape[-1]))
    keys = ("lr", "noise_scale", "num_steps", "escaped", "in_deep", "diverged", "final_loss")
    out = {key: np.zeros(table.shape) for key in keys}
    for row, (batch_size, row_lrs) in enumerate(zip(batch_sizes, table)):
        if time is not None:
            time = check_positive_number("time", time)
            steps = np.ceil(time / row_lrs - 1e-9).astype(int)
        else:
            steps = np.full(row_lrs.shape, check_int("num_steps", num_steps, low=1))
        runs = run_sgd(well, row_lrs, batch_size, steps, num_runs=num_runs, seed=seed, x0=x0)
        out["lr"][row] = row_lrs
        out["noise_scale"][row] = runs.noise_scale
        out["num_steps"][row] = steps
        for key in ("escaped", "in_deep", "diverged"):
            out[key][row] = runs.fraction(key)
        kept = np.where(runs.diverged, np.nan, runs.final_loss)
        counts = np.sum(~runs.diverged, axis=-1)
        out["final_loss"][row] = np.where(
            counts > 0, np.nansum(kept, axis=-1) / np.maximum(counts, 1), np.nan
        )
    out["num_steps"] = out["num_steps"].astype(int)
    out["batch_size"] = np.array(batch_sizes)
    return out


def gradient_noise(well, batch_sizes, *, num_draws=20000, seed=0) -> dict:
    """The variance of the mini-batch gradient at a fixed x, measured over many random batches.

    Returns {"batch_size", "measured", "with_replacement" (σ²/B), "without_replacement"
    (σ²/B·(N − B)/(N − 1))}, each an array over ``batch_sizes``; σ² is the variance of the
    per-example gradients. (The noise of this loss is the same at every x.)
    """
    _check_well(well)
    batch_sizes = check_ints("batch_sizes", batch_sizes, low=1, high=well.n_samples)
    rng = np.random.default_rng(check_seed(seed))
    num_draws = check_int("num_draws", num_draws, low=2)
    n = well.n_samples
    x = np.full(num_draws, well.shallow_min)
    sigma2 = np.var(well.sample_grads(x[:1], np.arange(n)[None, :]))
    measured, plain, finite = [], [], []
    for batch_size in batch_sizes:
        batch_size = check_batch_size(batch_size, n)
        idx = sample_batches(rng, n, batch_size, (num_draws,))
        grads = well.batch_grad(x, idx)
        measured.append(np.var(grads))
        plain.append(sigma2 / batch_size)
        finite.append(sigma2 / batch_size * (n - batch_size) / (n - 1))
    return {"batch_size": np.array(batch_sizes), "measured": np.array(measured),
            "with_replacement": np.array(plain), "without_replacement": np.array(finite),
            "sigma2": float(sigma2)}


def format_table(table, key="escaped", *, columns="lr", digits=2) -> str:
    """``table[key]`` from ``sweep`` as text: a row per batch size, a column per lr or noise scale.

    columns: "lr" or "noise_scale": what heads the columns (the first row's values).
    digits: decimals of the entries.
    """
    heads = table[columns][0]
    name = "lr" if columns == "lr" else "noise scale"
    lines = [f"{'B':>4} | {name}: " + " ".join(f"{v:7.4f}" for v in heads)]
    pad = " " * (len(name) + 2)
    for batch_size, row in zip(table["batch_size"], table[key]):
        lines.append(f"{batch_size:4d} | {pad}" + " ".join(f"{v:7.{digits}f}" for v in row))
    return "\n".join(lines)


def format_effects(shallow, deep, well) -> str:
    """The section "when noise does not help" as text: a row per learning rate (B fixed).

    shallow, deep: ``SGDRuns`` over learning rates, started in the shallow / the deep minimum.
    Columns: noise scale; shares escaped, in the deep basin at the end (both starts), diverged;
    mean final loss above F(deep minimum) over the runs that did not diverge (both starts).
    """
    lines = ["noise    | started shallow:           | started deep: | mean final loss - F(deep)",
             "scale    | escaped  deep at end  div. | deep at end   | from shallow  from deep"]
    for i, g in enumerate(shallow.noise_scale):
        losses = []
        for runs in (shallow, deep):
            kept = runs.final_loss[i][~runs.diverged[i]]
            losses.append(f"{np.mean(kept) - well.f_min:12.3f}" if len(kept) else f"{'-':>12}")
        lines.append(
            f"{g:8.4f} | {shallow.fraction('escaped')[i]:7.2f}  "
            f"{shallow.fraction('in_deep')[i]:11.2f}  {shallow.fraction('diverged')[i]:4.2f} | "
            f"{deep.fraction('in_deep')[i]:11.2f}   | {losses[0]}  {losses[1]}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Figures of the notebook

def _marks(well, ax, *, vertical=True, labels=True):
    """Dashed lines at the deep minimum, the barrier and the shallow minimum."""
    line = ax.axvline if vertical else ax.axhline
    marks = (("deep minimum", well.deep_min, COLORS["stable"], "--"),
             ("barrier", well.barrier, COLORS["theory"], "--"),
             ("shallow minimum", well.shallow_min, COLORS["curve"], ":"))
    for name, value, color, style in marks:
        line(value, color=color, lw=1.2, ls=style, label=name if labels else None)


def plot_landscape(well, ax=None, *, num_examples=10, x_range=(-2.0, 2.0)):
    """F(x) in black over a few per-example losses ℓᵢ(x) in grey; minima and barrier marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.8), layout="constrained")
    grid = np.linspace(*x_range, 400)
    picks = np.linspace(0, well.n_samples - 1, num_examples).astype(int)
    order = np.argsort(well.c)[picks]  # from the most negative slope cᵢ to the most positive
    curves = well.sample_losses(grid, np.broadcast_to(order, (len(grid), len(order))))
    for j in range(len(order)):
        ax.plot(grid, curves[:, j], color=COLORS["theory"], lw=0.8, alpha=0.7,
                label="loss of one example ℓᵢ(x)" if j == 0 else None)
    ax.plot(grid, well.f(grid), color=COLORS["curve"], lw=2.5, label="full loss F(x) = mean ℓᵢ(x)")
    for name, value, color in (("deep minimum", well.deep_min, COLORS["stable"]),
                               ("shallow minimum", well.shallow_min, COLORS["unstable"])):
        ax.plot(value, well.f(value), "o", color=color, ms=9, label=name, zorder=3)
    ax.plot(well.barrier, well.f(well.barrier), "^", color=COLORS["theory"], ms=9,
            label="barrier (local maximum)", zorder=3)
    ax.set_ylim(-4, 6)
    ax.set_xlim(*x_range)
    ax.set_xlabel("parameter x")
    ax.set_ylabel("loss")
    ax.set_title("One full loss, averaged from per-example losses that disagree")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=3)
    return ax


def plot_paths(paths, well, ax=None, *, gd_path=None, title=None):
    """x_t against step t for a few SGD runs (and a GD run), with the two basins marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 3.6), layout="constrained")
    steps = np.arange(len(paths))
    for j in range(paths.shape[1]):
        ax.plot(steps, paths[:, j], color=PALETTE[[6, 1, 7, 2][j % 4]], lw=0.8,
                label=f"SGD run {j + 1}")
    if gd_path is not None:
        ax.plot(np.arange(len(gd_path)), gd_path, color=COLORS["gd"], lw=2.5,
                label="full-batch GD")
    _marks(well, ax, vertical=False)
    ax.set_ylim(-2.0, 2.0)
    ax.set_xlabel("step t")
    ax.set_ylabel("parameter $x_t$")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_gradient_noise(noise, ax=None):
    """Measured variance of the mini-batch gradient against B, with σ²/B and the corrected law."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.8))
    b = noise["batch_size"]
    shown = noise["measured"] > 1e-12  # B = N: zero up to rounding, off a log axis
    ax.loglog(b[shown], noise["measured"][shown], "o", color=COLORS["sgd"], ms=7,
              label="measured (20,000 batches each)")
    ax.loglog(b, noise["with_replacement"], "--", color=COLORS["theory"],
              label="σ²/B (draws with replacement)")
    fine = np.arange(1, b.max())
    n = b.max()
    ax.loglog(fine, noise["sigma2"] / fine * (n - fine) / (n - 1), color=COLORS["curve"], lw=1,
              label="σ²/B · (N − B)/(N − 1) (distinct examples)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("variance of the batch gradient")
    ax.set_title(f"Gradient noise against batch size (N = {n}; B = N has none)")
    ax.legend(fontsize=8)
    return ax


def plot_heatmap(table, key="escaped", ax=None, *, title=None, cmap="viridis"):
    """A heatmap of ``table[key]`` (from ``sweep``): batch size down, learning rate across."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    values = table[key]
    image = ax.imshow(values, origin="lower", cmap=cmap, vmin=0, vmax=1, aspect="auto")
    lrs = table["lr"][0]
    ax.set_xticks(range(len(lrs)), [f"{v:.3g}" for v in lrs], rotation=45, fontsize=8)
    ax.set_yticks(range(len(table["batch_size"])), [str(b) for b in table["batch_size"]])
    for (i, j), value in np.ndenumerate(values):
        label = "0" if value == 0 else ("1" if value == 1 else f"{value:.2f}".lstrip("0"))
        label = "<.01" if 0 < value < 0.005 else label
        ax.text(j, i, label, ha="center", va="center",
                fontsize=7, color="white" if value < 0.6 else "black")
    ax.set_xlabel("learning rate lr")
    ax.set_ylabel("batch size B")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.05, label="share of runs")
    return ax


def plot_collapse(table, axes=None, *, key="escaped"):
    """``table[key]`` against lr (left) and against the noise scale (right), one curve per B."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    colors = PALETTE[1:]
    for i, batch_size in enumerate(table["batch_size"]):
        style = {"color": colors[i % 7], "marker": "o", "ms": 4, "label": f"B = {batch_size}"}
        axes[0].semilogx(table["lr"][i], table[key][i], **style)
        axes[1].semilogx(table["noise_scale"][i], table[key][i], **style)
    axes[0].set_xlabel("learning rate lr")
    axes[1].set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ticks = table["noise_scale"][0]
    axes[1].set_xticks(ticks, [f"{g:.4f}" for g in ticks], fontsize=8)
    axes[1].minorticks_off()
    axes[0].set_ylabel("share of runs that escaped")
    axes[0].set_title("Against the learning rate")
    axes[1].set_title("Against the noise scale")
    axes[1].legend(fontsize=8)
    return axes


def plot_noise_effects(shallow, deep, well, axes=None):
    """Left: basin shares against the noise scale; right: the final loss above the deep minimum.

    shallow, deep: ``SGDRuns`` over an array of learning rates (B fixed), started in the shallow
    and in the deep minimum.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.8))
    g = shallow.noise_scale
    ax = axes[0]
    ax.semilogx(g, shallow.fraction("escaped"), "o-", color=COLORS["sgd"], ms=4,
                label="started shallow: ever escaped (not diverged)")
    ax.semilogx(g, shallow.fraction("in_deep"), "s-", color=COLORS["stable"], ms=4,
                label="started shallow: in the deep basin at the end")
    ax.semilogx(g, deep.fraction("in_deep"), "^--", color=COLORS["gd"], ms=4,
                label="started deep: still in the deep basin at the end")
    ax.semilogx(g, shallow.fraction("diverged"), "x:", color=COLORS["curve"], ms=6,
                label="diverged (|x| > 3)")
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Where the runs are after the last step")
    ax.legend(fontsize=7.5, loc="center left")
    ax = axes[1]
    for runs, color, label in ((shallow, COLORS["sgd"], "started shallow"),
                               (deep, COLORS["gd"], "started deep")):
        kept = np.where(runs.diverged, np.nan, runs.final_loss - well.f_min)
        with np.errstate(invalid="ignore"):
            mean = np.array([np.nanmean(row) if np.any(np.isfinite(row)) else np.nan
                             for row in kept])
        ax.loglog(g, mean, "o-", color=color, ms=4, label=label)
    ax.axhline(well.f(well.shallow_min) - well.f_min, color=COLORS["theory"], ls="--", lw=1.2,
               label="sitting at the shallow minimum")
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ax.set_ylabel("mean final loss − F(deep minimum)")
    ax.set_title("How far above the deep minimum the runs end")
    ax.legend(fontsize=8)
    return axes


def plot_escape_times(curves, ax=None):
    """Share of runs escaped by step t: curves = {label: (steps, share)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    for i, (label, share) in enumerate(curves.items()):
        ax.plot(np.arange(len(share)), share, color=PALETTE[[6, 5, 3, 1][i % 4]], lw=1.8,
                label=label)
    ax.set_xlabel("step t")
    ax.set_ylabel("share of runs escaped by step t")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Escape takes time: the longer you run, the more runs have left")
    ax.legend(fontsize=8)
    return ax


def plot_schedules(results, well, axes=None):
    """Left: the learning rate of each schedule; right: the mean loss of its runs, step by step.

    results: {label: (runs, lr_per_step)} with ``runs`` from ``run_sgd(..., record=num_runs)``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.8))
    colors = [PALETTE[5], PALETTE[3], PALETTE[6], PALETTE[0]]
    for i, (label, (runs, lrs)) in enumerate(results.items()):
        color = colors[i % len(colors)]
        axes[0].semilogy(np.arange(1, len(lrs) + 1), lrs, color=color, lw=1.8, label=label)
        gap = np.nanmean(well.f(runs.paths), axis=1) - well.f_min
        axes[1].semilogy(np.arange(len(gap)), gap, color=color, lw=1.5, label=label)
    axes[1].axhline(well.f(well.shallow_min) - well.f_min, color=COLORS["theory"], ls="--",
                    lw=1.2, label="sitting at the shallow minimum")
    axes[0].set_xlabel("step t")
    axes[0].set_ylabel("learning rate (log scale)")
    axes[0].set_title("Learning-rate schedules (B = 1)")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("step t")
    axes[1].set_ylabel("mean $F(x_t)$ − F(deep minimum) (log)")
    axes[1].set_title("Mean loss of the runs above the deep minimum")
    axes[1].legend(fontsize=8, loc="lower left")
    return axes


# ---------------------------------------------------------------------------------------------
# The panel: batch size, learning rate, seed and number of steps

PANEL_RUNS = 100  # runs behind the histogram of final positions
PANEL_PATHS = 5  # runs drawn as x_t against t (the first is the one the message is about)
HIST_BINS = np.linspace(-2.0, 2.0, 41)
_PANEL_WELL = None


def _panel_well():
    global _PANEL_WELL
    if _PANEL_WELL is None:
        _PANEL_WELL = make_well()
    return _PANEL_WELL


def compute_escape(batch_size=1, lr=0.01, seed=0, num_steps=500, *, well=None,
                   num_runs=PANEL_RUNS):
    """Everything the panel shows, from the slider values; a pure function.

    Runs ``num_runs`` copies of SGD (batch ``batch_size``, learning rate ``lr``) from the shallow
    minimum for ``num_steps`` steps. Returns a dict with the landscape ("grid", "loss"), the
    histogram of final positions ("bins", "counts": share of runs per bin), the paths of the first
    runs ("paths" (T+1, k)), their step axis ("steps"), the shares "escaped", "in_deep",
    "diverged", the first run's "escaped_at"/"crossings"/"diverged_at", "noise_scale",
    "message" and "level".
    """
    well = _panel_well() if well is None else well
    _check_well(well)
    num_runs = check_int("num_runs", num_runs, low=1)
    lr = check_lr(lr)
    seed = check_int("seed", seed, low=0)
    num_steps = check_int("num_steps", num_steps, low=1)
    batch_size = check_batch_size(batch_size, well.n_samples)
    runs = run_sgd(well, lr, batch_size, num_steps, num_runs=num_runs, seed=seed,
                   record=min(PANEL_PATHS, num_runs))
    finite = runs.x_final[~runs.diverged]
    counts, _ = np.histogram(np.clip(finite, HIST_BINS[0], HIST_BINS[-1]), bins=HIST_BINS)
    grid = np.linspace(-2.0, 2.0, 301)
    state = {
        "grid": grid, "loss": well.f(grid), "bins": HIST_BINS, "counts": counts / num_runs,
        "paths": runs.paths, "steps": np.arange(num_steps + 1),
        "escaped": runs.fraction("escaped"), "in_deep": runs.fraction("in_deep"),
        "diverged": runs.fraction("diverged"),
        "escaped_at": int(runs.escaped_at[0]), "crossings": int(runs.crossings[0]),
        "diverged_at": int(runs.diverged_at[0]), "noise_scale": runs.noise_scale,
        "batch_size": batch_size, "lr": lr, "seed": seed, "num_steps": num_steps,
        "num_runs": num_runs,
        "marks": (well.deep_min, well.barrier, well.shallow_min),
    }
    state["message"], state["level"] = _message(state, well)
    return state


def _message(state, well):
    """The panel's one sentence about the first run, plus what all the runs did."""
    runs, steps = state["num_runs"], _plural(state["num_steps"], "step")
    share = (f"Of {_plural(runs, 'run')}: {state['escaped']:.0%} escaped (without diverging), "
             f"{state['in_deep']:.0%} end in the deep basin, {state['diverged']:.0%} diverged.")
    unstable = 2.0 / (12 * well.shallow_min**2 - 4)  # GD is unstable at a minimum if lr > 2/F''
    note = ""
    if state["lr"] > unstable:
        note = (f" Note: lr is above 2/F''(shallow) = {unstable:.3f}, where even without noise a "
                "small push away from the shallow minimum grows instead of dying out.")
    if state["diverged_at"] >= 0:
        return (f"Diverged: at step {state['diverged_at']} the iterate jumped past "
                f"|x| = {BOUND:g}, "
                "where the steep walls throw it further out at every step; the run was stopped. "
                f"{share}{note}"), "error"
    if state["crossings"] >= 2:
        return (f"Noise too strong: the iterate wanders over both basins (it crossed the barrier "
                f"{state['crossings']} times in {steps}). {share}{note}"), "warn"
    if state["crossings"] == 1:
        return (f"Escaped to the deep minimum at step {state['escaped_at']} and stayed there. "
                f"{share}{note}"), "ok"
    if state["batch_size"] == well.n_samples:
        return (f"Stayed in the shallow basin: the full batch (B = {well.n_samples}) is plain "
                f"gradient descent, with no noise to push it out. {share}{note}"), "info"
    return f"Stayed in the shallow basin for all {steps}. {share}{note}", "info"


def _plural(count, noun):
    """'1 step', '2 steps'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def make_figure():
    """The panel's figure: the landscape with where the runs ended, and x_t against t."""
    fig = Figure(figsize=(9.0, 3.8), dpi=80)
    ax_land, ax_path = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    fig.subplots_adjust(left=0.07, right=0.9, bottom=0.13, top=0.91, wspace=0.42)
    well = _panel_well()
    ax_land.plot([], [], color=COLORS["curve"], lw=2, label="loss F(x)")
    ax_hist = ax_land.twinx()
    ax_hist.bar(HIST_BINS[:-1], np.zeros(len(HIST_BINS) - 1), width=np.diff(HIST_BINS),
                align="edge", color=COLORS["sgd"], alpha=0.55, label="where the runs end")
    ax_hist.set_ylabel("share of runs ending here")
    ax_hist.grid(False)
    ax_hist.text(0.5, 0.97, "", transform=ax_hist.transAxes, ha="center", va="top", fontsize=9)
    ax_land.set_xlim(-2, 2)
    ax_land.set_ylim(-0.6, 4.0)
    ax_land.set_xlabel("parameter x")
    ax_land.set_ylabel("loss F(x)")
    ax_land.set_title("Landscape, and where the runs end")
    handles = [ax_land.lines[0], ax_hist.patches[0]]
    ax_land.legend(handles, ["loss F(x)", "final x of the runs"], loc="upper center",
                   fontsize=8, bbox_to_anchor=(0.5, 0.9))
    for j in range(PANEL_PATHS):
        ax_path.plot([], [], color=PALETTE[6] if j == 0 else COLORS["theory"],
                     lw=1.4 if j == 0 else 0.6, zorder=3 if j == 0 else 2,
                     label="run 1" if j == 0 else ("runs 2-5" if j == 1 else None))
    ax_path.plot([], [], "X", color=COLORS["curve"], ms=10, label="run 1 diverged", zorder=4)
    _marks(well, ax_path, vertical=False, labels=False)
    for name, value in (("deep min", well.deep_min), ("barrier", well.barrier),
                        ("shallow min", well.shallow_min)):
        ax_path.annotate(name, (1.01, value), xycoords=("axes fraction", "data"), va="center",
                         fontsize=8)
    ax_path.set_ylim(-BOUND, BOUND)
    ax_path.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax_path.set_xlabel("step t")
    ax_path.set_ylabel("parameter $x_t$")
    ax_path.legend(fontsize=8, loc="lower left", ncol=3)
    return fig


def draw_escape(fig, state):
    """Update the panel's figure from a state of ``compute_escape``."""
    ax_land, ax_path, ax_hist = fig.axes
    ax_land.lines[0].set_data(state["grid"], state["loss"])
    counts = state["counts"]
    for bar, height in zip(ax_hist.patches, counts):
        bar.set_height(height)
    ax_hist.set_ylim(0, max(0.25, 1.15 * counts.max()))
    diverged = state["diverged"]
    ax_hist.texts[0].set_text(
        f"{diverged:.0%} of the runs diverged (not shown)" if diverged > 0 else "")
    paths = state["paths"]
    lines = ax_path.lines
    for j in range(PANEL_PATHS):
        if j < paths.shape[1]:
            lines[j].set_data(state["steps"], paths[:, j])
        else:
            lines[j].set_data([], [])
    marker = lines[PANEL_PATHS]
    if state["diverged_at"] >= 0:  # at the step it diverged, drawn at its last finite x
        last = state["diverged_at"] - 1
        marker.set_data([state["diverged_at"]], [paths[last, 0]])
    else:
        marker.set_data([], [])
    # when every path shown stopped early, zoom in on the steps before they diverged
    alive = np.flatnonzero(np.any(np.isfinite(paths), axis=1))
    end = max(alive[-1], state["diverged_at"])
    ax_path.set_xlim(0, min(state["num_steps"], max(10, int(1.2 * end) + 1)))
    ax_path.set_title(f"x_t of {PANEL_PATHS} runs: B = {state['batch_size']}, "
                      f"lr = {state['lr']:.3g}, noise scale {state['noise_scale']:.2g}",
                      fontsize=10)


def make_panel(batch_size=1, lr=0.01, seed=0, num_steps=500):
    """The panel of notebook 07: batch size, learning rate, seed and number of steps."""
    well = _panel_well()
    controls = {
        "batch_size": batch_size_slider(well.n_samples, value=batch_size),
        "lr": lr_slider(value=lr, min=1e-3, max=0.3),
        "seed": int_slider(seed, 0, 20, description="seed"),
        "num_steps": int_slider(num_steps, 50, 1000, step=50, description="steps"),
    }
    for control in controls.values():
        control.continuous_update = False
    return Panel(controls, compute_escape, draw_escape, make_figure())

