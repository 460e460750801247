"""Exercises of notebooks 07a and 07b (escaping local minima): noise scale, basins, escape times.

07a, does noise help escape:
- ``sgd_noise_scale``:        lr/B · (N − B)/(N − 1), the quantity that sets how often SGD escapes
- ``fraction_in_deep_basin``: which side of the barrier the final iterates of many runs are on
- ``first_escape_step``:      the step at which each recorded path first gets into the deep basin
07b, SGD as diffusion:
- ``escaped_by_step``:        the share of runs that have escaped by each step, from escape steps
- ``lr_for_mean_wait``:       the learning rate at which Kramers' law predicts a given mean wait
"""

from __future__ import annotations

import numpy as np

from ..objectives import DoubleWell
from ..theory import kramers_escape_time, sgd_temperature
from . import Mistake, as_array, as_number, exercise, log_uniform, run_cases


def _noise_scale(lr, b, n):
    return lr / b * (n - b) / (n - 1)


NOISE_SCALE_MISTAKES = {
    "with_replacement": Mistake("that is the noise scale when examples are drawn with "
                                "replacement, but a batch here holds B distinct examples: check "
                                "B = N, the full batch, which has no noise at all.",
                                lambda lr, b, n: lr / b),
    "n_not_n_minus_1": Mistake("nearly: check B = 1, where the noise scale must be lr itself.",
                               lambda lr, b, n: lr / b * (n - b) / n),
    "times_b": Mistake("a bigger batch averages more examples, so it has less noise, not more.",
                       lambda lr, b, n: lr * b * (n - b) / (n - 1)),
    "b_squared": Mistake("you divided by B twice: averaging B examples divides the variance of "
                         "the gradient by B once.", lambda lr, b, n: _noise_scale(lr, b, n) / b),
}


@exercise("sgd_noise_scale", NOISE_SCALE_MISTAKES)
def _check_sgd_noise_scale(fn):
    rng = np.random.default_rng()
    random = []
    for _ in range(3):
        n = int(rng.integers(3, 5000))
        random.append((float(rng.uniform(0.001, 0.5)), int(rng.integers(2, n)), n))
    edges = [(0.1, 1, 64), (0.3, 64, 64), (0.2, 32, 64), (0.01, 64, 10**6)]
    run_cases(fn, [(0.05, 8, 64), *random, *edges], answer=_noise_scale, read=as_number,
              label=lambda lr, b, n: f"for lr = {lr:.4g}, B = {b}, N = {n}",
              mistakes=NOISE_SCALE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for lr = {case[0]:.4g}, B = {case[1]}, N = {case[2]} the value is off; "
                  "check B = 1 (one example per step) and B = N (the full batch)."))
    return True, ("lr/B · (N − B)/(N − 1): doubling lr or halving B doubles it, and the full "
                  "batch has none.")


def _deep_side(x_final, well):
    if well.deep_min < well.barrier:
        return x_final < well.barrier
    return x_final > well.barrier


BASIN_MISTAKES = {
    "count": Mistake("that is a count: return a share between 0 and 1 of the runs.",
                     lambda x, well: float(np.sum(_deep_side(x, well)))),
    "assume_left": Mistake("with a negative tilt the deep minimum is on the right: find the "
                           "deep side from well.deep_min, do not assume it is on the left.",
                           lambda x, well: float(np.mean(x < well.barrier))),
    "shallow": Mistake("that is the share in the shallow basin; the deep one is asked for.",
                       lambda x, well: 1 - float(np.mean(_deep_side(x, well)))),
    "split_at_0": Mistake("the two basins meet at the top of the barrier, well.barrier, which "
                          "is not exactly at x = 0.",
                          lambda x, well: float(np.mean(x < 0 if well.deep_min < 0 else x > 0))),
}


def _basin_cases(rng):
    first = np.array([-1.3, -0.9, -0.4, 0.02, 0.05, 0.06, 0.3, 0.95, 1.2, 1.0, -0.06, 0.5])
    tilt = float(rng.uniform(0.1, 1.2) * rng.choice([-1, 1]))
    random = rng.uniform(-1.6, 1.6, int(rng.integers(5, 60)))
    near = np.array([-0.07, -0.05, -0.02, 0.01, 0.3, -1.0])  # around the barrier at tilt −0.3
    return [(first, DoubleWell(n_examples=8, tilt=0.3)),
            (random, DoubleWell(n_examples=8, tilt=tilt)),
            (near, DoubleWell(n_examples=8, tilt=-0.3)),
            (np.array([0.9]), DoubleWell(n_examples=8, tilt=-1.0))]  # a single run


@exercise("fraction_in_deep_basin", BASIN_MISTAKES)
def _check_fraction_in_deep_basin(fn):
    run_cases(fn, _basin_cases(np.random.default_rng()),
              answer=lambda x, well: float(np.mean(_deep_side(x, well))), read=as_number,
              label=lambda x, well: f"for {len(x)} runs with tilt = {well.tilt:.3g}",
              mistakes=BASIN_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for {len(case[0])} runs with tilt = {case[1].tilt:.3g} the share is off; "
                  "a run's basin is the minimum it would roll down to."))
    return True, ("you split the runs at the barrier and found the deep side from the minimum, "
                  "whichever way the well tilts.")


def _escaped(escaped_at, num_steps, strict=False, count_never=False):
    t = np.arange(num_steps + 1)
    by_t = escaped_at[:, None] < t if strict else escaped_at[:, None] <= t
    return by_t if count_never else (escaped_at[:, None] >= 0) & by_t


ESCAPED_MISTAKES = {
    "counts": Mistake("return shares, not counts: a share of all the runs.",
                      lambda e, n: _escaped(e, n).sum(axis=0).astype(float)),
    "never_counted": Mistake("-1 means the run never escaped: such runs must never count.",
                             lambda e, n: _escaped(e, n, count_never=True).mean(axis=0)),
    "strict": Mistake("off by one step: a run that escaped at step t has escaped by step t.",
                      lambda e, n: _escaped(e, n, strict=True).mean(axis=0)),
    "share_of_escaped": Mistake("you divided by the number of runs that escaped at some point; "
                                "the share is of all runs, including those that never escaped.",
                                lambda e, n: _escaped(e, n).sum(axis=0) / max(np.sum(e >= 0), 1)),
}


def _escaped_cases(rng):
    n_runs, num_steps = int(rng.integers(1, 30)), int(rng.integers(1, 50))
    random = rng.integers(-1, num_steps + 1, n_runs)
    return [(np.array([5, -1, 2, 2, 7, -1]), 8), (random, num_steps), (np.array([-1, -1, 1]), 3),
            (np.array([0, 4, 4, 10]), 10), (np.array([3]), 5), (np.array([0, -1]), 0),
            (np.array([-1, -1]), 4), (rng.integers(-1, 1001, 200), 1000)]


def _escaped_read(out, where, case):
    num_steps = case[1]
    return as_array(out, (num_steps + 1,), f"the shares (one per step t = 0 … {num_steps})",
                    where)


@exercise("escaped_by_step", ESCAPED_MISTAKES)
def _check_escaped_by_step(fn):
    run_cases(fn, _escaped_cases(np.random.default_rng()),
              answer=lambda e, n: _escaped(e, n).mean(axis=0), read=_escaped_read,
              label=lambda e, n: f"for escape steps {e.tolist()[:8]}{'…' if len(e) > 8 else ''} "
                                 f"and num_steps = {n}",
              mistakes=ESCAPED_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for escape steps {case[0].tolist()[:8]}{'…' if len(case[0]) > 8 else ''} "
                  f"the share at t = {int(np.argmax(~np.isclose(out, expected)))} is off."))
    return True, "your curve starts at the share escaped at step 0 and never goes down."


def _into_deep(well):
    return 0.5 * (well.barrier + well.deep_min)  # halfway down from the barrier


def _first_escape(paths, well, *, threshold=None, assume_left=False, last=False):
    """First row t at which each column of paths lies beyond the threshold; −1 if none."""
    level = _into_deep(well) if threshold is None else threshold(well)
    deep_left = assume_left or well.deep_min < well.barrier
    with np.errstate(invalid="ignore"):  # NaN after a divergence: never deep
        inside = paths < level if deep_left else paths > level
    if last:
        t = len(paths) - 1 - np.argmax(inside[::-1], axis=0)
    else:
        t = np.argmax(inside, axis=0)
    return np.where(inside.any(axis=0), t, -1)


FIRST_ESCAPE_MISTAKES = {
    "argmax_never": Mistake("a run that never gets into the deep basin got step 0 from you: "
                            "np.argmax of a column that is all False is 0. Such runs get −1.",
                            lambda p, w: np.where(_first_escape(p, w) < 0, 0, _first_escape(p, w))),
    "barrier": Mistake("you count a run as escaped as soon as it crosses the barrier; it must get "
                       "halfway down into the deep basin, so that a run that only peeks over the "
                       "top does not count.",
                       lambda p, w: _first_escape(p, w, threshold=lambda well: well.barrier)),
    "assume_left": Mistake("with a negative tilt the deep minimum is on the right: find the deep "
                           "side from well.deep_min, do not assume it is on the left.",
                           lambda p, w: _first_escape(p, w, assume_left=True)),
    "last": Mistake("that is the last step a run spends in the deep basin; a run may hop back "
                    "out, and the first arrival is asked for.",
                    lambda p, w: _first_escape(p, w, last=True)),
    "shifted": Mistake("off by one step: row t of paths is x_t, and row 0 is the start x_0.",
                       lambda p, w: np.where(_first_escape(p, w) < 0, -1,
                                             _first_escape(p, w) + 1)),
}


def _walks(rng, num_steps, num_runs, start, step):
    return start + np.cumsum(np.vstack([np.zeros(num_runs),
                                        step * rng.standard_normal((num_steps, num_runs))]),
                             axis=0)


def _first_escape_cases(rng):
    right = DoubleWell(n_examples=8, tilt=0.3)  # deep minimum at −1.04, barrier at 0.075
    # runs: escapes at 3 and stays; never leaves; peeks over the barrier only; escapes at 2 and
    # hops back; starts in the deep basin; diverges (NaN) after escaping at 4
    fixed = np.array([[0.96, 0.96, 0.96, 0.96, -1.0, 0.96],
                      [0.5, 0.9, 0.3, -0.2, -1.1, 0.2],
                      [0.1, 1.0, 0.02, -0.6, -0.9, -0.3],
                      [-0.7, 0.95, -0.1, 0.4, -1.0, -0.4],
                      [-1.0, 0.9, 0.05, 0.9, -1.05, -0.8],
                      [-1.1, 1.0, 0.2, 1.0, -1.0, np.nan],
                      [-0.95, 0.97, 0.5, 0.96, -1.0, np.nan]])
    tilt = float(rng.uniform(0.1, 1.0) * rng.choice([-1, 1]))
    well = DoubleWell(n_examples=8, tilt=tilt)
    walks = _walks(rng, int(rng.integers(20, 80)), int(rng.integers(3, 30)), well.shallow_min, 0.3)
    walks[int(rng.integers(5, len(walks))):, 0] = np.nan  # a run that diverged
    left = DoubleWell(n_examples=8, tilt=-0.3)  # the mirror image: the deep minimum on the right
    return [(fixed, right), (walks, well), (-fixed, left),
            (np.array([[0.96], [0.5], [0.0]]), right),  # one run, never escapes
            (_walks(rng, 200, 40, left.shallow_min, 0.25), left)]


def _first_escape_read(out, where, case):
    return as_array(out, (case[0].shape[1],), "the escape steps (one per run)", where)


def _first_escape_label(paths, well):
    return (f"for {paths.shape[1]} paths of {paths.shape[0] - 1} steps with "
            f"tilt = {well.tilt:.3g}")


@exercise("first_escape_step", FIRST_ESCAPE_MISTAKES)
def _check_first_escape_step(fn):
    run_cases(fn, _first_escape_cases(np.random.default_rng()), answer=_first_escape,
              read=_first_escape_read, label=_first_escape_label,
              mistakes=FIRST_ESCAPE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"{_first_escape_label(*case)} the step of run "
                  f"{int(np.argmax(~np.isclose(out, expected)))} (counting from 0) is off; "
                  "print its path next to the halfway point into the deep basin."))
    return True, ("your escape steps agree with the ones run_sgd records; fed to "
                  "escaped_by_step they give the escape curves of 07b.")


def _lr_for_wait(well, wait_steps, batch_size, sigma2, *, wait=None, temperature=None):
    """The lr at which ``wait(lr, T)`` (default: Kramers' mean wait in steps) is wait_steps.

    The wait falls as lr grows, so bisect on log lr between 1e-3 and 10 (the cases' answers lie
    between 0.003 and 0.3, so no temperature is small enough to overflow exp).
    """
    wait = wait or (lambda lr, T: kramers_escape_time(well, T) / lr)
    temperature = temperature or (lambda lr: sgd_temperature(lr, batch_size, well.n_examples,
                                                             sigma2))
    low, high = np.log(1e-3), np.log(10.0)
    for _ in range(100):
        mid = 0.5 * (low + high)
        lr = float(np.exp(mid))
        if wait(lr, temperature(lr)) > wait_steps:
            low = mid  # waits too long: a larger lr
        else:
            high = mid
    return float(np.exp(0.5 * (low + high)))


def _wait_mistake(kind):
    def wrong(well, wait_steps, batch_size, sigma2):
        if kind == "time_not_steps":
            return _lr_for_wait(well, wait_steps, batch_size, sigma2,
                                wait=lambda lr, T: kramers_escape_time(well, T))
        if kind == "times_lr":
            return _lr_for_wait(well, wait_steps, batch_size, sigma2,
                                wait=lambda lr, T: kramers_escape_time(well, T) * lr)
        if kind == "no_batch":
            return _lr_for_wait(well, wait_steps, batch_size, sigma2,
                                temperature=lambda lr: lr * sigma2)
        return _lr_for_wait(well, wait_steps, batch_size, sigma2,  # "with_replacement"
                            temperature=lambda lr: lr * sigma2 / batch_size)
    return wrong


WAIT_MISTAKES = {
    "time_not_steps": Mistake("kramers_escape_time gives the wait as a time lr·t, not in steps: "
                              "convert it to steps before you compare it with wait_steps.",
                              _wait_mistake("time_not_steps")),
    "times_lr": Mistake("the time is lr × steps, so a number of steps is the time divided by lr, "
                        "not multiplied.", _wait_mistake("times_lr")),
    "no_batch": Mistake("the temperature depends on the batch size too: a batch of B examples "
                        "has less noise than one example.", _wait_mistake("no_batch")),
    "with_replacement": Mistake("nearly: a batch holds B distinct examples, so its noise carries "
                                "the finite-population factor as well (check B = N, which has no "
                                "noise).", _wait_mistake("with_replacement")),
}


def _random_wait_case(rng):
    """A random well, wait, batch size and σ² whose answer lies between 0.003 and 0.3."""
    while True:
        n = int(rng.integers(16, 200))
        well = DoubleWell(n_examples=n, tilt=float(rng.uniform(0.15, 0.6) * rng.choice([-1, 1])))
        case = (well, int(rng.integers(300, 20000)), int(rng.integers(2, n // 4)),
                log_uniform(rng, 10.0, 200.0))
        if 0.003 < _lr_for_wait(*case) < 0.3:
            return case


def _wait_cases(rng):
    well = DoubleWell(n_examples=64, tilt=0.3)  # the well of the notebooks
    return [(well, 1000, 1, 64.0), _random_wait_case(rng), _random_wait_case(rng),
            (well, int(rng.integers(2000, 50000)), 4, 64.0),
            (DoubleWell(n_examples=32, tilt=-0.4), 5000, 8, 100.0),  # the shallow side on the left
            (well, 2000, 16, 64.0)]


def _wait_label(well, wait_steps, batch_size, sigma2):
    return (f"for a mean wait of {wait_steps} steps, B = {batch_size}, N = {well.n_examples}, "
            f"σ² = {sigma2:.4g}, tilt = {well.tilt:.3g}")


@exercise("lr_for_mean_wait", WAIT_MISTAKES)
def _check_lr_for_mean_wait(fn):
    run_cases(fn, _wait_cases(np.random.default_rng()), answer=_lr_for_wait, read=as_number,
              label=_wait_label, mistakes=WAIT_MISTAKES, tol=1e-5,
              pointer=lambda case, out, expected: (
                  f"{_wait_label(*case)}: the learning rate is off: at your lr, compute the wait "
                  "in steps that Kramers' law predicts and compare it with wait_steps."))
    return True, ("at your learning rate Kramers' law predicts exactly the wait you asked for; "
                  "now run it and see how close the runs come.")
