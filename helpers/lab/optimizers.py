"""Notebooks 06a-06c, momentum and Adam: five optimizers on the same valleys, and on MNIST.

Pure functions:

- ``run_optimizer``       one optimizer ("gd", "momentum", "nesterov", "rmsprop", "adam") on the
                          ill-conditioned bowl or on Rosenbrock, through ``helpers.gd.minimize``
- ``optimal_momentum``, ``optimal_momentum_lr``: the heavy-ball tuning of a quadratic,
                          β = ((√κ − 1)/(√κ + 1))²  with  lr = (2/(√λ_max + √λ_min))²
- ``momentum_sweep``      steps to tolerance over a grid of β at that lr: the measured optimum
- ``suggest_lr``, ``max_stable_lr``, ``safer_lr``, ``run_verdict``: the panel's advice
- ``make_schedule``, ``schedule_curves``: the learning-rate schedules compared on MNIST
- ``compare_on_mnist``    several optimizer settings trained with the same seed and budget

The panel is ``helpers.panels.optimizers``.
"""

from __future__ import annotations

import math

import numpy as np

from ..gd import minimize
from ..objectives import QuadraticBowl, Rosenbrock
from ..schedules import (
    CosineAnnealingLR,
    LinearWarmup,
    StepLR,
    WarmupCosine,
    lr_curve,
)
from ..validate import (
    check_choice,
    check_fraction,
    check_int,
    check_lr,
    check_numbers,
    check_positive_number,
    check_seed,
)

# the five of section 2's race and of the panel: plain GD ("gd") and four of optim.OPTIMIZERS
RACE = ("gd", "momentum", "nesterov", "rmsprop", "adam")


LANDSCAPES = ("bowl", "rosenbrock")  # the choice of valley, named "landscape" in 02 and 06a


X0 = {"bowl": (-1.8, 1.2), "rosenbrock": (-1.5, 2.0)}  # start points


VIEW = {"bowl": ((-2.0, 2.0), (-1.5, 1.5)), "rosenbrock": ((-2.0, 2.0), (-1.0, 3.0))}


# A learning rate that works for each optimizer on each landscape (bowl with kappa = 10).
# ``suggest_lr`` adapts the bowl's to kappa for the panel's hints.
SUGGESTED_LR = {
    "bowl": {"gd": 0.15, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.05, "adam": 0.2},
    # plain GD is stable at the start while lr < 2/λ_max ≈ 0.00096 (the Hessian there)
    "rosenbrock": {"gd": 9e-4, "momentum": 9e-4, "nesterov": 9e-4, "rmsprop": 1e-2,
                   "adam": 5e-2},
}


LOSS_FLOOR = 1e-16  # f − f_min is clipped here before a log plot
SCHEDULES = ("constant", "step", "cosine", "warmup", "warmup_cosine")


def make_objective(landscape: str = "bowl", kappa: float = 10.0):
    """The bowl ½ xᵀAx with eigenvalues 1 and kappa (axes-aligned), or Rosenbrock (a=1, b=100)."""
    landscape = check_choice("landscape", landscape, LANDSCAPES)
    if landscape == "bowl":
        return QuadraticBowl(kappa=kappa, lam_min=1.0)
    return Rosenbrock()


def optimizer_hyper(optimizer: str, momentum: float) -> dict:
    """What the momentum slider means for each optimizer (a dict of ``minimize`` keywords).

    gd: nothing; momentum, nesterov: SGD's momentum; adam: beta1 (beta2 stays 0.999);
    rmsprop: nothing (alpha stays 0.99, and torch's RMSProp has no momentum by default).
    """
    optimizer = check_choice("optimizer", optimizer, RACE)
    momentum = check_fraction("momentum", momentum)
    if optimizer in ("momentum", "nesterov"):
        return {"momentum": momentum}
    if optimizer == "adam":
        return {"betas": (momentum, 0.999)}
    return {}


def run_optimizer(landscape="bowl", optimizer="momentum", lr=0.05, momentum=0.9, kappa=10.0,
                  num_steps=100, *, x0=None, tol=1e-10):
    """One optimizer from the landscape's start point: a ``helpers.gd.Trajectory``.

    landscape: "bowl" or "rosenbrock"; optimizer: one of ``RACE``; lr > 0;
    momentum: in [0, 1), see ``optimizer_hyper``; kappa >= 1 (bowl only); num_steps >= 1;
    x0: start point (2,), by default ``X0[landscape]``.
    """
    objective = make_objective(landscape, kappa)
    x0 = X0[landscape] if x0 is None else x0
    hyper = optimizer_hyper(optimizer, momentum)
    # numpy is told to stay quiet: a diverging run is reported by its status, not by warnings
    with np.errstate(all="ignore"):
        return minimize(objective, x0, optimizer, lr=lr, num_steps=num_steps, tol=tol, **hyper)


def suggest_lr(landscape="bowl", optimizer="momentum", kappa=10.0, momentum=0.9) -> float:
    """A learning rate that suits ``optimizer`` on ``landscape``: what the panel suggests.

    Bowl (λ_min = 1, λ_max = κ): plain GD's best fixed lr 2/(λ_min + λ_max); momentum's lr* of
    section 4, kept below 90% of the stability limit for the slider's β (lr* is meant for β*);
    Nesterov 1/λ_max. RMSProp and Adam scale each coordinate, so κ hardly matters to them:
    ``SUGGESTED_LR``. Rosenbrock: ``SUGGESTED_LR`` (the tuned values).
    """
    landscape = check_choice("landscape", landscape, LANDSCAPES)
    optimizer = check_choice("optimizer", optimizer, RACE)
    momentum = check_fraction("momentum", momentum)
    if landscape == "rosenbrock" or optimizer in ("rmsprop", "adam"):
        return SUGGESTED_LR[landscape][optimizer]
    bowl = make_objective("bowl", kappa)
    if optimizer == "gd":
        return bowl.best_lr()
    if optimizer == "momentum":
        return min(optimal_momentum_lr(bowl.lam_min, bowl.lam_max),
                   0.9 * max_stable_lr("bowl", "momentum", kappa, momentum))
    return 1.0 / bowl.lam_max


def max_stable_lr(landscape="bowl", optimizer="gd", kappa=10.0, momentum=0.9) -> float:
    """The lr above which (heavy-ball or Nesterov) GD blows up on a quadratic of curvature λ_max.

    λ_max = κ on the bowl, and Rosenbrock's largest curvature at its start point (about 2,100).
    GD: 2/λ_max; momentum: 2(1 + β)/λ_max; Nesterov: 2(1 + β)/((1 + 2β) λ_max). RMSProp and
    Adam take steps of about lr whatever the curvature: no such limit (inf).
    """
    landscape = check_choice("landscape", landscape, LANDSCAPES)
    optimizer = check_choice("optimizer", optimizer, RACE)
    kappa = _check_kappa(kappa)
    momentum = check_fraction("momentum", momentum)
    if optimizer in ("rmsprop", "adam"):
        return math.inf
    if landscape == "bowl":
        lam_max = float(kappa)
    else:  # the Hessian of 100 (y − x²)² + (1 − x)² at the start point
        lam_max = float(np.linalg.eigvalsh(Rosenbrock().hessian(X0["rosenbrock"]))[-1])
    if optimizer == "gd":
        return 2 / lam_max
    if optimizer == "momentum":
        return 2 * (1 + momentum) / lam_max
    return 2 * (1 + momentum) / ((1 + 2 * momentum) * lam_max)


def safer_lr(landscape="bowl", optimizer="momentum", kappa=10.0, momentum=0.9, lr=1.0,
             num_steps=100) -> float | None:
    """A learning rate to suggest after a blow-up at ``lr``: below 90% of it, and checked.

    Starts from ``suggest_lr`` (or lr/2 if that is not clearly smaller), rounded down to two
    significant digits, and halves until a run of ``num_steps`` steps with the other settings
    makes progress without growing. None if 20 halvings do not find one.
    """
    guess = suggest_lr(landscape, optimizer, kappa, momentum)
    guess = _round_down(guess if guess < 0.9 * lr else lr / 2)
    for _ in range(20):
        traj = run_optimizer(landscape, optimizer, guess, momentum, kappa, num_steps)
        if traj.status not in ("diverged", "diverging") and traj.losses[-1] < traj.losses[0]:
            return guess
        guess = _round_down(guess / 2)
    return None


def _round_down(x: float) -> float:
    """x rounded down to 2 significant digits (0.001998 -> 0.0019: never up, past a limit)."""
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.floor(x / scale * (1 + 1e-9)) * scale


def run_verdict(traj, gaps, landscape, optimizer, lr, momentum, kappa, lr_max) -> str:
    """What a run did, in words: ``helpers.gd``'s verdict, reworded where more is known.

    traj: a ``Trajectory``; gaps: its f − f_min (T+1,); lr_max: the largest lr on offer. Only
    plain GD is promised to keep growing (its steps are lr × gradient, whatever happened
    before); momentum and the adaptive methods can overshoot and recover. A larger learning
    rate is offered only when twice lr is below lr_max and the stability limit.
    """
    T = len(gaps) - 1
    start, end = _distinct(gaps[0], gaps[-1])
    if traj.status == "diverging":
        if optimizer == "gd":
            return (f"Diverging: the loss grew from {start} to {end} in {T} steps "
                    f"(lr {lr:g} is too large); it will keep growing.")
        return (f"Diverging: the loss grew from {start} to {end} over these {T} steps; "
                f"lr {lr:g} looks too large.")
    if traj.status == "converging":
        trend = (f"the loss fell from {start} to {end}" if gaps[-1] < gaps[0]
                 else f"the loss is {end} (it started at {start}) and falling")
        limit = max_stable_lr(landscape, optimizer, kappa, momentum)
        larger = ", or a larger learning rate," if 2 * lr <= min(lr_max, limit) else ""
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


def optimal_momentum(kappa: float) -> float:
    """β* = ((√κ − 1)/(√κ + 1))²: the heavy-ball momentum that contracts a quadratic fastest."""
    root = math.sqrt(_check_kappa(kappa))
    return ((root - 1) / (root + 1)) ** 2


def _check_kappa(kappa) -> float:
    """A condition number: a finite number >= 1."""
    kappa = check_positive_number("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1 (λ_max / λ_min); got {kappa!r}")
    return kappa


def optimal_momentum_lr(lam_min: float, lam_max: float) -> float:
    """lr* = (2/(√λ_max + √λ_min))²: the learning rate that goes with β*."""
    lam_min = check_positive_number("lam_min", lam_min)
    lam_max = check_positive_number("lam_max", lam_max)
    if lam_max < lam_min:
        raise ValueError(f"lam_max must be >= lam_min; got lam_min={lam_min!r}, "
                         f"lam_max={lam_max!r}")
    return (2 / (math.sqrt(lam_max) + math.sqrt(lam_min))) ** 2


def momentum_sweep(kappa: float, betas=None, *, lr=None, num_steps: int = 300,
                   tol: float = 1e-10, x0=(1.0, 1.0)) -> dict:
    """Steps heavy-ball momentum needs to bring f below ``tol``, for each β, on a bowl.

    kappa: condition number of the bowl (λ_min = 1); betas: momentum values in [0, 1)
    (default 0, 0.01, ..., 0.99); lr: default ``optimal_momentum_lr``.
    Returns a dict: ``betas`` (m,), ``steps`` (m,) float (NaN where ``num_steps`` were not
    enough or the run diverged), ``lr``, ``beta_formula``, ``beta_best`` (the measured
    minimum), ``steps_best``, ``steps_formula`` (steps at the grid point nearest the formula).
    """
    bowl = QuadraticBowl(kappa=kappa, lam_min=1.0)
    betas = (np.round(np.arange(0.0, 0.995, 0.01), 2) if betas is None
             else check_numbers("betas", betas, low=0.0, below=1.0))
    num_steps = check_int("num_steps", num_steps, low=1)
    lr = optimal_momentum_lr(bowl.lam_min, bowl.lam_max) if lr is None else check_lr(lr)
    steps = np.full(len(betas), np.nan)
    for i, beta in enumerate(betas):
        beta = float(check_fraction("betas", beta))
        with np.errstate(all="ignore"):
            traj = (minimize(bowl, x0, "gd", lr=lr, num_steps=num_steps, tol=tol) if beta == 0
                    else minimize(bowl, x0, "momentum", lr=lr, num_steps=num_steps, tol=tol,
                                  momentum=beta))
        if traj.status == "converged":
            steps[i] = traj.converged_at
    beta_formula = optimal_momentum(kappa)
    reached = np.isfinite(steps)
    best = int(np.nanargmin(steps)) if reached.any() else None
    nearest = int(np.argmin(np.abs(betas - beta_formula)))
    return {
        "betas": betas, "steps": steps, "lr": lr, "kappa": float(kappa),
        "beta_formula": beta_formula,
        "beta_best": None if best is None else float(betas[best]),
        "steps_best": None if best is None else int(steps[best]),
        "steps_formula": float(steps[nearest]),
    }


def gd_steps_to_tolerance(kappa: float, *, num_steps: int = 5000, tol: float = 1e-10,
                          x0=(1.0, 1.0)) -> int | None:
    """Steps plain GD with its best fixed lr, 2/(λ_min + λ_max), needs on the same bowl."""
    bowl = QuadraticBowl(kappa=kappa, lam_min=1.0)
    num_steps = check_int("num_steps", num_steps, low=1)
    traj = minimize(bowl, x0, "gd", lr=bowl.best_lr(), num_steps=num_steps, tol=tol)
    return traj.converged_at


def make_schedule(name: str, optimizer, num_steps: int):
    """A schedule over ``num_steps`` update steps, or None for "constant".

    "step": lr × 0.1 after 2/3 of the steps (StepLR); "cosine": half a cosine down to 0;
    "warmup": linear warm-up from lr/10 over the first 10% of the steps, then constant;
    "warmup_cosine": that warm-up, then a cosine down to 0.
    """
    name = check_choice("name", name, SCHEDULES)
    num_steps = check_int("num_steps", num_steps, low=2)
    warmup = max(1, num_steps // 10)
    if name == "constant":
        return None
    if name == "step":
        return StepLR(optimizer, step_size=max(1, 2 * num_steps // 3), gamma=0.1)
    if name == "cosine":
        return CosineAnnealingLR(optimizer, T_max=num_steps)
    if name == "warmup":
        return LinearWarmup(optimizer, warmup_steps=warmup, start_factor=0.1)
    return WarmupCosine(optimizer, warmup_steps=warmup, total_steps=num_steps,
                        start_factor=0.1)


class _LrHolder:
    """Stands in for an optimizer when a schedule is only plotted: an ``lr`` and nothing else."""

    def __init__(self, lr: float):
        self.lr = lr


def schedule_curves(lr: float, num_steps: int, names=SCHEDULES) -> dict:
    """{name: (num_steps,) learning rates} for each schedule, starting from ``lr``."""
    lr = check_lr(lr)
    if isinstance(names, str) or not np.iterable(names):
        raise TypeError(f"names must be a list of schedule names {SCHEDULES}; got {names!r}")
    for name in names:
        check_choice("names", name, SCHEDULES)
    curves = {}
    for name in names:
        schedule = make_schedule(name, _LrHolder(lr), num_steps)
        curves[name] = (np.full(num_steps, lr) if schedule is None
                        else lr_curve(schedule, num_steps))
    return curves


def compare_on_mnist(data, settings, *, hidden: int = 64, batch_size: int = 32,
                     num_epochs: int = 2, seed: int = 0) -> list[dict]:
    """Train one network per setting, all with the same seed, data order and budget.

    settings: list of dicts with "optimizer", "lr" and optional "schedule" (a name in
    SCHEDULES) and hyperparameters (e.g. "momentum": 0.9).
    data: an ``MNIST``; without a validation set it is split first (``split_validation``).
    Returns the ``run_experiment`` results, in the same order, each with "schedule" added:
    compare them by ``val_acc`` (validation accuracy); the test digits are kept for the end.
    """
    from ..experiment import run_experiment, split_validation  # notebook 05's, reused

    if isinstance(settings, (str, bytes)) or not np.iterable(settings) or not all(
            isinstance(setting, dict) for setting in settings):
        raise TypeError(f"settings must be a list of dicts such as [{{'optimizer': 'sgd', "
                        f"'lr': 0.1}}]; got {settings!r}")
    data = split_validation(data)  # once, not once per setting
    results = []
    for i, setting in enumerate(settings):
        setting = dict(setting)
        name = setting.pop("schedule", "constant")
        try:
            check_choice("schedule", name, SCHEDULES)
            result = run_experiment(
                data, hidden=hidden, batch_size=batch_size, num_epochs=num_epochs, seed=seed,
                schedule=lambda opt, n, name=name: make_schedule(name, opt, n), **setting)
        except (TypeError, ValueError) as exc:
            if str(exc).startswith(("data ", "hidden ", "batch_size ", "num_epochs ", "seed ")):
                raise
            raise type(exc)(f"settings[{i}]: {exc}") from None
        result["schedule"] = name
        results.append(result)
    return results



# ---- AdaGrad's step and AdamW's decay (notebook 06c) -----------------------------------------

ACCUMULATORS = {"adagrad": "sum", "rmsprop": "square_avg"}  # the optimizer state dividing g


def effective_steps_on_bowl(kappa: float = 25.0, settings=(("adagrad", 0.5), ("rmsprop", 0.02)),
                            *, num_steps: int = 1000, noise: float = 1.0,
                            start=(1.0, 1.0), seed: int = 0) -> dict:
    """Each optimizer's effective per-coordinate step on the κ bowl with noisy gradients.

    The gradient of ½ xᵀAx (eigenvalues 1 and ``kappa``) gets Gaussian noise of standard
    deviation ``noise`` added, as mini-batches do, so that it never goes away. settings: (name,
    lr) pairs, name "adagrad" (divides g by √(sum of ALL past g²)) or "rmsprop" (by √(moving
    average of g²)). After every update the effective step lr/(√accumulator + eps) of each
    coordinate is recorded. Returns {name: {"lr", "step" (T,) 1 … T, "effective_step" (T, 2),
    "distance" (T,) |x_t| to the minimum}}, the same noise for every optimizer.
    """
    from ..optim import make_optimizer

    kappa = _check_kappa(kappa)
    num_steps = check_int("num_steps", num_steps, low=1)
    noise = check_positive_number("noise", noise, allow_zero=True)
    start = check_numbers("start", start)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y) of 2 numbers; got {start.tolist()}")
    seed = check_seed(seed)
    if isinstance(settings, (str, bytes)) or not np.iterable(settings):
        raise TypeError(f"settings must be a list of (name, lr) pairs; got {settings!r}")
    bowl = make_objective("bowl", kappa)
    noises = np.random.default_rng(seed).normal(0.0, noise, size=(num_steps, 2))
    out = {}
    for name, lr in settings:
        check_choice("settings[i][0]", name, tuple(ACCUMULATORS))
        x, g = np.array(start, dtype=float), np.zeros(2)
        opt = make_optimizer(name, [(x, g)], lr=check_lr(lr))
        steps, distance = np.empty((num_steps, 2)), np.empty(num_steps)
        for t in range(num_steps):
            g[:] = bowl.grad(x) + noises[t]
            opt.step()
            steps[t] = opt.lr / (np.sqrt(opt.state[0][ACCUMULATORS[name]]) + opt.eps)
            distance[t] = np.linalg.norm(x)
        out[name] = {"lr": opt.lr, "step": np.arange(1, num_steps + 1), "effective_step": steps,
                     "distance": distance}
    return out


def decay_toy(lr: float = 0.01, weight_decay: float = 0.1, num_steps: int = 1000,
              grad_size: float = 100.0) -> dict:
    """Two weights, both starting at 1: a busy one and an idle one, under Adam + L2 and AdamW.

    The busy weight's loss gradient alternates ±grad_size (large, averaging 0); the idle weight
    gets no loss gradient at all. With L2 in Adam the decay λ·w is added to the gradient and
    then divided by √v: the busy weight's large v hides it, the idle weight's tiny v blows it
    up to a full step of size lr. AdamW shrinks both by the same factor 1 − lr·λ per step.
    Returns {"adam_l2": (num_steps + 1, 2), "adamw": (num_steps + 1, 2)}: columns busy, idle.
    """
    from ..optim import Adam, AdamW

    lr = check_lr(lr)
    weight_decay = check_positive_number("weight_decay", weight_decay)
    num_steps = check_int("num_steps", num_steps, low=1)
    grad_size = check_positive_number("grad_size", grad_size)
    paths = {}
    for name, cls in (("adam_l2", Adam), ("adamw", AdamW)):
        w, g = np.ones(2), np.zeros(2)
        opt = cls([(w, g)], lr=lr, weight_decay=weight_decay)
        path = [w.copy()]
        for t in range(num_steps):
            g[:] = (grad_size * (-1) ** t, 0.0)  # busy: ±grad_size; idle: nothing
            opt.step()
            path.append(w.copy())
        paths[name] = np.array(path)
    return paths


def weight_decay_on_mnist(data, settings, seeds=(0, 1, 2), *, hidden: int = 64,
                          batch_size: int = 32, num_epochs: int = 3) -> list[dict]:
    """Adam with L2 against AdamW on MNIST: validation accuracy and what became of the weights.

    settings: dicts with "label", "optimizer" ("adam" or "adamw"), "lr", "weight_decay".
    The first layer's weights are split in two, like the two weights of ``decay_toy``: "idle"
    ones, from pixels that are blank (0) in every training digit, which never get a loss
    gradient, and "busy" ones, from all other pixels. Returns one dict per setting: "label",
    "val_acc" (len(seeds),), "idle_norm" and "busy_norm" (len(seeds),): the norm of those
    weights after training divided by their norm at the start.
    """
    from ..experiment import build_model, run_experiment, split_validation

    data = split_validation(data)
    idle = np.all(data.X_train == 0, axis=0)  # (784,): pixels blank in every training digit
    rows = []
    for setting in settings:
        setting = dict(setting)
        label = setting.pop("label")
        row = {"label": label, "val_acc": [], "idle_norm": [], "busy_norm": []}
        for seed in seeds:
            run = run_experiment(data, hidden=hidden, batch_size=batch_size,
                                 num_epochs=num_epochs, seed=seed, **setting)
            w0 = build_model(hidden, seed).parameters()[0][0]  # (784, hidden) at the start
            w = run["model"].parameters()[0][0]
            row["val_acc"].append(run["val_acc"])
            row["idle_norm"].append(float(np.linalg.norm(w[idle]) / np.linalg.norm(w0[idle])))
            row["busy_norm"].append(float(np.linalg.norm(w[~idle]) / np.linalg.norm(w0[~idle])))
        rows.append({key: value if key == "label" else np.array(value)
                     for key, value in row.items()})
    return rows
