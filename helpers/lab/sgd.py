"""Notebook 03, from GD to SGD: mini-batch SGD on linear regression, and the noise of a gradient.

The problem is linear regression with the mean squared error (``helpers.objectives.LeastSquares``
on ``make_regression``): N = 200 examples, two weights, features scaled so that the loss is a
valley with condition number near ``KAPPA`` = 20. Pure functions for the measurements:

- ``run_sgd``              mini-batch SGD, batch size 1 … N, epochs with or without replacement
- ``minibatch_gradients``  many mini-batch gradients at one fixed w: the gradient is a statistic
- ``gradient_variance``    their variance against the batch size, with the 1/B law and the
                           finite-population correction (N − B)/(N − 1)
- ``visit_counts``         how often each example is drawn in an epoch (with replacement: 0, 1, 2…)
- ``noise_ball``           where SGD with a constant learning rate settles: a ball around w*
- ``sampling_gap_on_mnist`` text B's "repeats lead to overfitting", tested on notebook 05's
                           network: the train–validation gap with and without replacement

The figures are in ``helpers.figures.sgd``, the panel in ``helpers.panels.sgd``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..batches import as_rng, epoch_order, random_batches
from ..data import MNIST
from ..experiment import DEFAULTS, build_model, one_blas_thread, split_validation
from ..gd import blew_up
from ..losses import SoftmaxCrossEntropy
from ..objectives import LeastSquares, make_regression
from ..optim import make_optimizer
from ..train import evaluate, train
from ..validate import (
    check_batch_size,
    check_flag,
    check_int,
    check_ints,
    check_lr,
    check_numbers,
    check_point,
    check_positive_number,
    check_seed,
)

N_EXAMPLES = 200


W0 = np.array([-3.0, 3.0])  # the start of every run: far from the minimum, so curves span decades


EXCESS_FLOOR = 1e-12  # excess losses are clipped here before a log plot


KAPPA = 20.0  # the notebooks' condition number: a valley, not a round bowl


def make_data(n: int = N_EXAMPLES, d: int = 2, noise: float = 0.5, *, kappa: float = 1.0,
              n_test: int = 0, seed=0):
    """The notebook's regression problem: (train, test) ``LeastSquares`` objects.

    train: ``make_regression(n, d, noise, seed)`` with feature j scaled by kappa^(−j/(2(d−1))),
    from 1 down to 1/√kappa, so that XᵀX/N has a condition number near ``kappa`` (1: the
    standard-normal features of ``make_regression``, a nearly round bowl); y = X w_true + noise.
    test: ``n_test`` fresh examples from the same distribution (same w_true, scales and noise
    level), or None when ``n_test`` is 0.
    """
    n_test = check_int("n_test", n_test, low=0)
    kappa = check_positive_number("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be at least 1 (a condition number); got {kappa!r}")
    X, y, w_true = make_regression(n=n, d=d, noise=noise, seed=seed)
    scales = kappa ** (-0.5 * np.linspace(0.0, 1.0, d)) if d > 1 else np.ones(1)
    y = y - X @ w_true + (X * scales) @ w_true  # the same noise, on the scaled features
    X = X * scales
    test = None
    if n_test:
        rng = np.random.default_rng([seed, 1])  # a stream of its own: the train set is unchanged
        X_test = rng.standard_normal((n_test, d)) * scales
        test = LeastSquares(X_test, X_test @ w_true + noise * rng.standard_normal(n_test))
    return LeastSquares(X, y), test


def make_problem(n: int = N_EXAMPLES, d: int = 2, noise: float = 0.5, seed: int = 0, *,
                 kappa: float = 1.0):
    """The training problem alone: ``LeastSquares`` on ``make_data(n, d, noise, seed=seed)``."""
    return make_data(n, d, noise, kappa=kappa, seed=seed)[0]


def best_gd_lr(problem) -> float:
    """The best fixed step of full-batch GD on ``problem``: 2/(λmin + λmax) of the Hessian 2XᵀX/N.

    It makes the slowest and the steepest direction shrink at the same rate, (κ − 1)/(κ + 1).
    """
    _check_problem(problem)
    eigenvalues = np.linalg.eigvalsh(2 * problem.X.T @ problem.X / problem.n_examples)
    return float(2 / (eigenvalues[0] + eigenvalues[-1]))


def condition_number(problem) -> float:
    """κ = λmax/λmin of the Hessian 2XᵀX/N of ``problem`` (a ``LeastSquares``)."""
    _check_problem(problem)
    eigenvalues = np.linalg.eigvalsh(problem.X.T @ problem.X)
    return float(eigenvalues[-1] / eigenvalues[0])


@dataclass
class SGDRun:
    """One run of mini-batch SGD (or R independent runs side by side, with ``num_runs=R``).

    ws: (T+1, d) weights after 0 … T updates ((T+1, R, d) for R runs);
    losses: (T+1,) full-data loss f(w_t) ((T+1, R)); excess_loss: f(w_t) − f(w*), clipped at
    EXCESS_FLOOR for log plots; examples: (T+1,) examples processed before w_t; epochs = examples/N.
    status: a word of ``helpers.gd.STATUSES``: "converging" (the loss ended lower than it
    started), "diverging" (it ended higher) or "diverged" (it blew up and the run stopped at update
    ``diverged_at``).
    """

    ws: np.ndarray
    losses: np.ndarray
    excess_loss: np.ndarray
    examples: np.ndarray
    epochs: np.ndarray
    batch_size: int
    lr: float
    status: str
    diverged_at: int | None

    @property
    def num_updates(self) -> int:
        return len(self.ws) - 1

    def curves(self) -> dict:
        """What a panel plots: x ("epochs", "updates"), "excess_loss", and how the run ended."""
        return {"epochs": self.epochs, "updates": np.arange(self.num_updates + 1),
                "excess_loss": self.excess_loss, "status": self.status,
                "diverged_at": self.diverged_at, "final_excess": float(self.excess_loss[-1])}


def run_sgd(problem, lr, batch_size, num_epochs, *, w0=None, replacement=False, seed=0,
            lr_decay=0.0, num_runs=None, blowup=1e6):
    """Mini-batch SGD  w ← w − lr·ĝ_B(w)  for ``num_epochs`` epochs, from ``w0`` (default W0).

    The loop of ``helpers.gd.sgd``, run for R runs at once: ``w`` is (R, d) and each batch is
    (R, B) indices, hence the ``einsum``. With ``num_runs=None`` (or 1), the same seed gives the
    very trajectory that ``gd.sgd(problem, w0, lr, batch_size, num_epochs, seed=seed)`` gives.

    problem: a ``LeastSquares``; batch_size: 1 … N (N = the full batch = plain GD).
    replacement=False: each epoch is a shuffled pass that visits every example once (the last
    batch is smaller when B does not divide N); replacement=True: the same number of batches of
    the same sizes, but every index drawn uniformly at random, repeats allowed.
    lr_decay: the learning rate in epoch e is lr / (1 + lr_decay·e) (0: constant).
    num_runs: None for one run, or R for R independent runs computed together (vectorised).
    Stops (status "diverged") when |w − w*|² grows past ``blowup`` times its start.
    Returns an ``SGDRun``.
    """
    _check_problem(problem)
    n = problem.n_examples
    batch_size = check_batch_size(batch_size, n)
    lr = check_lr(lr)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    lr_decay = check_positive_number("lr_decay", lr_decay, allow_zero=True)
    runs = 1 if num_runs is None else check_int("num_runs", num_runs, low=1)
    replacement = check_flag("replacement", replacement)
    blowup = check_positive_number("blowup", blowup)
    if w0 is not None:
        w0 = check_point("w0", w0, dim=problem.n_features)
    rng = as_rng(seed, "seed")
    X, y, w_min = problem.X, problem.y, problem.w_min
    w = np.array(W0 if w0 is None else w0, dtype=float) * np.ones((runs, 1))  # (R, d)
    reference = max(float(np.max(np.sum((w - w_min) ** 2, axis=1))), 1.0)
    ws, sizes = [w.copy()], [0]
    diverged_at = None
    # A too-large lr makes w overflow: we detect it and stop, so silence numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(num_epochs):
            lr_epoch = lr / (1.0 + lr_decay * epoch)
            # one shuffle per run (each example exactly once per epoch), or draws with repeats
            order = epoch_order(n, rng, num_runs=runs, replacement=replacement)
            for start in range(0, n, batch_size):
                idx = order[:, start : start + batch_size]  # (R, B)
                X_b = X[idx]  # (R, B, d)
                residual = np.einsum("rbd,rd->rb", X_b, w) - y[idx]  # ŷ − y on the batch
                # ĝ_B = (2/B) X_Bᵀ (X_B w − y_B)
                w = w - lr_epoch * (2.0 / idx.shape[1]) * np.einsum("rb,rbd->rd", residual, X_b)
                gap2 = np.sum((w - w_min) ** 2, axis=1)
                if blew_up(float(np.max(gap2)), reference, blowup):  # NaN too: the shared rule
                    diverged_at = len(ws)
                    break
                ws.append(w)
                sizes.append(idx.shape[1])
            if diverged_at is not None:
                break
    ws = np.array(ws)  # (T+1, R, d)
    gaps = ws - w_min
    # f(w) = f(w*) + (w − w*)ᵀ G (w − w*),  G = XᵀX / N: exact for least squares, and cheap
    gram = X.T @ X / n
    excess_raw = np.einsum("tri,ij,trj->tr", gaps, gram, gaps)
    if num_runs is None:
        ws, excess_raw = ws[:, 0], excess_raw[:, 0]
    examples = np.cumsum(sizes)
    if diverged_at is not None:
        status = "diverged"
    elif np.any(excess_raw[-1] > excess_raw[0]):
        status = "diverging"
    elif batch_size == n and len(ws) > 2 and np.any(excess_raw[-1] > excess_raw[-2] + 1e-12):
        status = "diverging"  # GD's loss falls at every step while lr is stable: growth = unstable
    else:
        status = "converging"
    return SGDRun(ws, problem.f_min + excess_raw, np.maximum(excess_raw, EXCESS_FLOOR),
                  examples, examples / n, batch_size, lr, status, diverged_at)


def _check_problem(problem) -> None:
    if not isinstance(problem, LeastSquares):
        raise TypeError(f"problem must be a LeastSquares (see make_problem()); got {problem!r}")


def _check_run(run) -> None:
    if not isinstance(run, SGDRun):
        raise TypeError(f"run must be an SGDRun from run_sgd(); got {run!r}")


def examples_to_reach(run: SGDRun, threshold: float):
    """Examples processed until the excess loss first falls below ``threshold`` (None: never)."""
    _check_run(run)
    threshold = check_positive_number("threshold", threshold)
    below = np.nonzero(run.excess_loss < threshold)[0]
    return int(run.examples[below[0]]) if len(below) else None


def epoch_means(run: SGDRun):
    """Mean excess loss over the updates of each epoch: (epochs 1 … E, means), for a calm plot."""
    _check_run(run)
    epoch_of_update = np.ceil(run.epochs[1:] - 1e-9).astype(int)  # update t belongs to this epoch
    num_epochs = int(epoch_of_update[-1])
    sums = np.bincount(epoch_of_update, weights=run.excess_loss[1:], minlength=num_epochs + 1)
    counts = np.bincount(epoch_of_update, minlength=num_epochs + 1)
    return np.arange(1, num_epochs + 1), sums[1:] / counts[1:]


def minibatch_gradients(problem, w, batch_size, num_batches, *, replacement=False, seed=0):
    """Mini-batch gradients at the fixed point ``w``: shape (num_batches, d), one row per batch."""
    _check_problem(problem)
    w = check_point("w", w, dim=problem.n_features)
    per_example = problem.sample_grads(w)  # (N, d): ∇ℓᵢ(w) = 2 (xᵢ·w − yᵢ) xᵢ
    num_batches = check_int("num_batches", num_batches, low=1)
    idx = random_batches(problem.n_examples, batch_size, (num_batches,), as_rng(seed, "seed"),
                         replacement=replacement)
    return per_example[idx].mean(axis=1)  # ĝ_B = mean of ∇ℓᵢ over the batch


def predicted_variance(sigma2, n_examples, batch_size, *, replacement=False):
    """Variance of a mean of B of the N numbers whose (population) variance is ``sigma2``.

    With replacement: σ²/B. Without (distinct examples): σ²/B · (N − B)/(N − 1), which is σ² at
    B = 1 and exactly 0 at B = N (the whole data set: no randomness left).
    """
    sigma2 = check_positive_number("sigma2", sigma2, allow_zero=True)
    n_examples = check_int("n_examples", n_examples, low=2)
    # B may be a float array: the formula drawn as a smooth curve over 1 … N
    b = (check_positive_number("batch_size", batch_size) if np.ndim(batch_size) == 0
         else check_numbers("batch_size", batch_size, positive=True))
    if np.any(b > n_examples):
        raise ValueError(f"batch_size must not exceed n_examples={n_examples}; got {batch_size!r}")
    b = np.asarray(b, dtype=float)
    if check_flag("replacement", replacement):
        return sigma2 / b
    return sigma2 / b * (n_examples - b) / (n_examples - 1)


def gradient_variance(problem, w, batch_sizes, *, num_batches=2000, replacement=False, seed=0):
    """Measured and predicted total variance (trace of the covariance) of ĝ_B at ``w``.

    Returns a dict of arrays over ``batch_sizes``: "batch_size", "measured", "predicted"
    (with the (N − B)/(N − 1) correction unless ``replacement``), "predicted_no_fpc" (σ²/B),
    plus "sigma2": the per-example variance tr Cov(∇ℓᵢ(w)), "n_examples" and "full_grad".
    """
    _check_problem(problem)
    w = check_point("w", w, dim=problem.n_features)
    seed = check_seed(seed)
    batch_sizes = np.array(check_ints("batch_sizes", batch_sizes, low=1,
                                      high=problem.n_examples))
    sigma2 = float(problem.sample_grads(w).var(axis=0).sum())
    measured = np.array([
        minibatch_gradients(problem, w, b, num_batches, replacement=replacement,
                            seed=seed + i).var(axis=0).sum()
        for i, b in enumerate(batch_sizes)
    ])
    n = problem.n_examples
    return {
        "batch_size": batch_sizes,
        "measured": measured,
        "predicted": predicted_variance(sigma2, n, batch_sizes, replacement=replacement),
        "predicted_no_fpc": predicted_variance(sigma2, n, batch_sizes, replacement=True),
        "sigma2": sigma2,
        "n_examples": n,
        "full_grad": problem.grad(w),
    }


def visit_counts(n_examples, num_epochs, *, replacement=True, seed=0):
    """How many times each example is drawn in an epoch of N draws: (num_epochs, N) ints.

    Without replacement every count is 1 (a shuffled pass); with replacement the counts are
    about Poisson(1): a fraction (1 − 1/N)^N ≈ 1/e ≈ 0.368 of the examples is never drawn.
    """
    n_examples = check_int("n_examples", n_examples, low=1)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    idx = random_batches(n_examples, n_examples, (num_epochs,), as_rng(seed, "seed"),
                         replacement=replacement)
    counts = np.zeros((num_epochs, n_examples), dtype=int)
    np.add.at(counts, (np.arange(num_epochs)[:, None], idx), 1)
    return counts


def noise_ball(problem, lrs, batch_sizes, *, num_updates=500, num_runs=16, replacement=True,
               seed=0):
    """Where SGD with a constant lr settles: the mean excess loss over the second half of runs.

    ``num_runs`` runs per (lr, B) start at the minimum w* and take about ``num_updates`` updates
    (whole epochs); the first half lets the noise build up, the second half is averaged.
    Returns a dict: "lr" (L,), "batch_size" (K,), "measured" (L, K), "predicted" (L, K), "sigma2".
    Prediction for small lr, batches drawn independently with replacement (σ² at w*):
        E[f(w) − f(w*)] ≈ lr · σ²/(4B).
    """
    _check_problem(problem)
    lrs = check_numbers("lrs", lrs, positive=True)
    batch_sizes = check_ints("batch_sizes", batch_sizes, low=1, high=problem.n_examples)
    num_runs = check_int("num_runs", num_runs, low=1)
    seed = check_seed(seed)
    sigma2 = float(problem.sample_grads(problem.w_min).var(axis=0).sum())
    n = problem.n_examples
    num_updates = check_int("num_updates", num_updates, low=2)
    measured = np.zeros((len(lrs), len(batch_sizes)))
    predicted = np.zeros_like(measured)
    for i, lr in enumerate(lrs):
        for j, b in enumerate(batch_sizes):
            num_epochs = max(2, math.ceil(num_updates / math.ceil(n / b)))
            run = run_sgd(problem, lr, b, num_epochs, w0=problem.w_min, replacement=replacement,
                          num_runs=num_runs, seed=seed + 100 * i + j)
            tail = run.losses[len(run.losses) // 2 :]
            measured[i, j] = np.mean(tail - problem.f_min)
            predicted[i, j] = lr * sigma2 / (4 * b)
    return {"lr": np.asarray(lrs, dtype=float), "batch_size": np.asarray(batch_sizes),
            "measured": measured, "predicted": predicted, "sigma2": sigma2}


@functools.cache
def default_problem():
    """The regression problem of notebooks 03a/03b and the panel, ``make_problem(kappa=KAPPA)``."""
    return make_problem(kappa=KAPPA)


def sampling_gap_on_mnist(data, *, n_train=1000, num_epochs=20, seeds=(0, 1, 2),
                          lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"],
                          hidden=DEFAULTS["hidden"]):
    """Text B's claim on a network that can overfit: shuffled epochs against draws with repeats.

    Notebook 05's 784-``hidden``-10 network and SGD settings, trained on the first ``n_train``
    training digits of ``data`` (split with ``experiment.split_validation`` if it has no
    validation set; the test digits are never touched). Per seed, two runs from the same initial
    weights: "shuffle" (each epoch visits every digit once) and "replacement" (each epoch trains
    on n_train digits drawn with repeats: about 37 % are missed). Same number of updates.
    Returns {"shuffle": rows, "replacement": rows, "epochs": (E,), "n_train", "seeds"}; rows is a
    dict of (S, E) arrays over seeds × epochs: "train_loss", "val_loss", "train_acc", "val_acc",
    "loss_gap" (validation loss − training loss) and "acc_gap" (training − validation accuracy).
    """
    if not isinstance(data, MNIST):
        raise TypeError(f"data must be an MNIST from helpers.data.load_mnist; got {data!r}")
    data = split_validation(data)
    n_train = check_int("n_train", n_train, low=1, high=len(data.X_train))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    seeds = [check_seed(s) for s in check_ints("seeds", seeds, low=0)]
    lr, hidden = check_lr(lr), check_int("hidden", hidden, low=1)
    batch_size = check_batch_size(batch_size, n_train)
    X, y = data.X_train[:n_train], data.y_train[:n_train]
    result = {"epochs": np.arange(1, num_epochs + 1), "n_train": n_train, "seeds": seeds}
    with one_blas_thread():  # the same numbers with 1 or 2 BLAS threads
        for sampling in ("shuffle", "replacement"):
            runs = [_sampled_run(X, y, data, sampling, seed, lr=lr, batch_size=batch_size,
                                 hidden=hidden, num_epochs=num_epochs) for seed in seeds]
            rows = {key: np.array([run[key] for run in runs]) for key in runs[0]}
            rows["loss_gap"] = rows["val_loss"] - rows["train_loss"]
            rows["acc_gap"] = rows["train_acc"] - rows["val_acc"]
            result[sampling] = rows
    return result


def _sampled_run(X, y, data, sampling, seed, *, lr, batch_size, hidden, num_epochs):
    """One run of ``sampling_gap_on_mnist``: per-epoch losses and accuracies (lists of E)."""
    model = build_model(hidden, seed)
    optimizer = make_optimizer("sgd", model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    n = len(X)
    out = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    for _ in range(num_epochs):
        # the epoch's digits: all once (train() shuffles them), or n draws with repeats
        idx = np.arange(n) if sampling == "shuffle" else rng.integers(0, n, size=n)
        train(model, SoftmaxCrossEntropy(), optimizer, X[idx], y[idx], batch_size=batch_size,
              num_epochs=1, seed=rng, progress=False)
        for split, (X_s, y_s) in (("train", (X, y)), ("val", (data.X_val, data.y_val))):
            loss, acc = evaluate(model, X_s, y_s)
            out[f"{split}_loss"].append(loss)
            out[f"{split}_acc"].append(acc)
    return out
