"""Notebooks 07a and 07b, escaping local minima: does the noise of SGD help it leave a minimum?

The landscape is ``helpers.objectives.DoubleWell``: the loss of example i is
ℓᵢ(x) = (x² − 1)² + tilt·x + cᵢ·x, and the full loss F(x) = mean ℓᵢ(x) has a deep minimum near
x = −1 and a shallow one near x = +1. A mini-batch gradient is F'(x) plus the mean of cᵢ over the
batch: the noise of SGD. Every run here starts at the bottom of the shallow minimum.

Many runs at once: ``x`` has shape (R,) (or (L, R) for L learning rates sharing the same batches),
each step draws a batch of B distinct examples per run, ``idx`` of shape (R, B), and calls
``DoubleWell.batch_grad(x, idx)``. Only the loop over steps is a Python loop.

- ``make_well``, ``noise_scale``  the problem, and lr/B·(N − B)/(N − 1)
  (batches come from ``helpers.batches.random_batches``, the package's one sampler)
- ``run_sgd``           R runs of mini-batch SGD (constant or decaying lr): where they went, when
- ``sweep``             escape / deep-basin / divergence fractions over batch sizes × learning rates
- ``gradient_noise``    the variance of a mini-batch gradient against the batch size, measured
- ``final_histogram``, ``describe_runs``  what the panel of notebook 07b shows about its runs

The figures are in ``helpers.figures.escape``, the panel in ``helpers.panels.escape``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..batches import random_batches
from ..objectives import DoubleWell
from ..optim import SGD
from ..schedules import ExponentialLR, lr_curve
from ..text import plural
from ..theory import sgd_temperature
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

N_EXAMPLES = 64  # small enough that the finite-population factor (N − B)/(N − 1) is visible


TILT = 0.3  # F(x) = (x² − 1)² + 0.3·x: the minimum near +1 is 0.6 higher than the one near −1


NOISE = 8.0  # standard deviation of the per-example slopes cᵢ


BOUND = 3.0  # a run with |x| > BOUND is stopped and counted as diverged


CHUNK = 100  # batches are drawn for this many steps at a time


def make_well(n_examples: int = N_EXAMPLES, tilt: float = TILT, noise: float = NOISE,
              seed: int = 0):
    """The notebook's double well: ``DoubleWell(n_examples, tilt, noise, seed)``."""
    return DoubleWell(n_examples=n_examples, tilt=tilt, noise=noise, seed=seed)


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
    return sgd_temperature(lr, batch_size, n_examples, sigma2=1.0)  # the temperature per unit σ²


def _check_lrs(lr):
    """A learning rate, or a 1-D array of them; returned as a float or a float array."""
    if np.ndim(lr) == 0:
        return check_lr(lr)
    return check_numbers("lr", lr, positive=True)


def _check_well(well) -> None:
    if not isinstance(well, DoubleWell):
        raise TypeError(f"well must be a DoubleWell (see make_well()); got {well!r}")


@dataclass
class SGDRuns:
    """What R runs of mini-batch SGD on the double well did (arrays of shape (R,) or (L, R)).

    x_final: the last iterate (for a diverged run, the last one with |x| <= bound).
    escaped_at: the step at which a run first got halfway down into the deep basin; -1 = never.
        (``escaped`` counts only the runs that also did not diverge.)
    crossings: how many times a run moved from one basin to the other (1 = escaped and stayed).
    diverged_at: the step at which |x| exceeded the bound (the run stopped there); -1 = never.
    paths: (T+1, k) the iterates x_0 … x_T of the first k runs (NaN after a divergence), or None.
    lr_per_step: (T,) the learning rate of steps 1 … T ((L, T) for L learning rates).
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
    lr_per_step: np.ndarray

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
    decays geometrically from lr at step 1 to lr_end at the last step (an ``ExponentialLR``; the
    result's ``lr_per_step`` holds it).
    record: keep the whole path x_0 … x_T of the first ``record`` runs (scalar lr only).
    bound: a run with |x| > bound is stopped and counted as diverged (so nothing overflows).
    Returns ``SGDRuns``.
    """
    _check_well(well)
    n = well.n_examples
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
    lr_per_step = _lr_per_step(lrs, lr_end, total)  # (L, T): the lr of steps 1 … T

    for start in range(0, total, CHUNK):
        size = min(CHUNK, total - start)
        # B = N: every step uses all examples, whose slopes cᵢ average to exactly zero
        idx = None if batch_size == n else random_batches(n, batch_size, (size, num_runs), rng)
        for k in range(size):
            t = start + k + 1
            step_lr = lr_per_step[:, t - 1 : t]  # (L, 1): constant, or decaying to lr_end
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
        lr_per_step=lr_per_step,
    )
    if scalar:  # drop the learning-rate axis
        for name in ("x_final", "escaped_at", "crossings", "diverged_at", "final_loss", "in_deep"):
            setattr(result, name, getattr(result, name)[0])
        result.lr, result.num_steps = float(lrs[0]), int(steps[0])
        result.noise_scale = float(result.noise_scale[0])
        result.lr_per_step = lr_per_step[0]
    return result


def _lr_per_step(lrs, lr_end, num_steps: int) -> np.ndarray:
    """The learning rate of steps 1 … num_steps for each lr: (L, num_steps).

    Constant, or ``ExponentialLR`` with gamma = (lr_end/lr)^(1/(num_steps − 1)): step 1 uses lr
    and the last step lr_end.
    """
    if lr_end is None:
        return np.repeat(lrs[:, None], num_steps, axis=1)
    gammas = (lr_end / lrs) ** (1.0 / max(num_steps - 1, 1))
    return np.array([lr_curve(ExponentialLR(SGD([], lr=lr), gamma=gamma), num_steps)
                     for lr, gamma in zip(lrs, gammas)])


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
    batch_sizes = check_ints("batch_sizes", batch_sizes, low=1, high=well.n_examples)
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
    batch_sizes = check_ints("batch_sizes", batch_sizes, low=1, high=well.n_examples)
    rng = np.random.default_rng(check_seed(seed))
    num_draws = check_int("num_draws", num_draws, low=2)
    n = well.n_examples
    x = np.full(num_draws, well.shallow_min)
    sigma2 = np.var(well.sample_grads(x[:1], np.arange(n)[None, :]))
    measured, plain, finite = [], [], []
    for batch_size in batch_sizes:
        batch_size = check_batch_size(batch_size, n)
        idx = random_batches(n, batch_size, (num_draws,), rng)
        grads = well.batch_grad(x, idx)
        measured.append(np.var(grads))
        plain.append(sigma2 / batch_size)
        finite.append(sigma2 / batch_size * (n - batch_size) / (n - 1))
    return {"batch_size": np.array(batch_sizes), "measured": np.array(measured),
            "with_replacement": np.array(plain), "without_replacement": np.array(finite),
            "sigma2": float(sigma2)}


def final_histogram(runs, bins) -> np.ndarray:
    """Share of all the runs whose final x falls in each of the ``bins`` (edges, (K + 1,)).

    Diverged runs are left out (the shares then add up to 1 − the diverged share); a final x
    beyond the edges counts in the end bin. Returns (K,).
    """
    finite = runs.x_final[~runs.diverged]
    counts, _ = np.histogram(np.clip(finite, bins[0], bins[-1]), bins=bins)
    return counts / runs.x_final.size


def describe_runs(runs, well) -> tuple[str, str]:
    """One sentence about what the first run did, then what all of them did: (message, level).

    runs: ``SGDRuns`` of ``run_sgd`` with one learning rate; level is "error" (diverged),
    "warn" (wanders over both basins), "ok" (escaped and stayed) or "info" (stayed).
    """
    steps = plural(runs.num_steps, "step")
    share = (f"Of {plural(runs.x_final.size, 'run')}: {runs.fraction('escaped'):.0%} escaped "
             f"(without diverging), {runs.fraction('in_deep'):.0%} end in the deep basin, "
             f"{runs.fraction('diverged'):.0%} diverged.")
    unstable = 2.0 / (12 * well.shallow_min**2 - 4)  # GD is unstable at a minimum if lr > 2/F''
    note = ""
    if runs.lr > unstable:
        note = (f" Note: lr is above 2/F''(shallow) = {unstable:.3f}, where even without noise a "
                "small push away from the shallow minimum grows instead of dying out.")
    crossings, diverged_at = int(runs.crossings[0]), int(runs.diverged_at[0])
    if diverged_at >= 0:
        return (f"Diverged: at step {diverged_at} the iterate jumped past |x| = {BOUND:g}, "
                "where the steep walls throw it further out at every step; the run was stopped. "
                f"{share}{note}"), "error"
    if crossings >= 2:
        return (f"Noise too strong: the iterate wanders over both basins (it crossed the barrier "
                f"{crossings} times in {steps}). {share}{note}"), "warn"
    if crossings == 1:
        return (f"Escaped to the deep minimum at step {int(runs.escaped_at[0])} and stayed "
                f"there. {share}{note}"), "ok"
    if runs.batch_size == well.n_examples:
        return (f"Stayed in the shallow basin: the full batch (B = {well.n_examples}) is plain "
                f"gradient descent, with no noise to push it out. {share}{note}"), "info"
    return f"Stayed in the shallow basin for all {steps}. {share}{note}", "info"


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

