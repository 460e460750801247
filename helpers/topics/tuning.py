"""Notebook 08: choosing settings on validation digits honestly, and a final recipe for MNIST.

Measurements: ``shift_digits`` (random shifts of a batch of digits), ``train_network`` (one run:
06's 784-128-10 network, an optimizer, a cosine or constant lr, shifted digits or not),
``ValidationScore`` (``score(lr, seed)``: one run's validation accuracy, every run kept),
``search_lr`` (a log grid that widens until the best lr is inside it, then a finer step around
the best), ``spread`` and ``clear_lead`` (a difference counts only beyond the seed spread),
``choice_optimism`` (how much a choice flatters itself, on random halvings of the validation
digits) and ``final_exam`` (the test digits, once). Figures: ``plot_search``, ``plot_optimism``.
No panel: every point here costs seconds of training.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from helpers.kit.checks import check_choice, check_int
from helpers.kit.plots import COLORS, plain_log_ticks
from helpers.kit.text import approx, percent
from helpers.layers import mlp
from helpers.losses import SoftmaxCrossEntropy
from helpers.optim import make_optimizer
from helpers.schedules import CosineAnnealingLR
from helpers.train import evaluate, train

SEEDS = (0, 1, 2)
HIDDEN, BATCH_SIZE = 128, 32  # 06's network; batches twice 06's 16: half the updates
SEARCH_EPOCHS = 5  # the budget of every search run: 5 epochs of the 3,200 training digits
START = (1e-3, 1e-2, 1e-1)  # the first grid of every search: a factor 10 apart

# ---- measurements --------------------------------------------------------------------------


def shift_digits(X, rng, max_shift: int = 2):
    """Each digit moved by its own random whole-pixel shift, up to ``max_shift`` each way.

    X: (n, 784) digits in [0, 1]; rng: a numpy Generator. Returns (n, 784): row i is digit i
    moved by (dy_i, dx_i), both uniform in −max_shift … max_shift, the uncovered border blank.
    """
    n, m = len(X), max_shift
    padded = np.pad(X.reshape(n, 28, 28), ((0, 0), (m, m), (m, m)))  # a blank frame m wide
    dy, dx = rng.integers(-m, m + 1, size=(2, n))
    rows = np.arange(28) + m - dy[:, None]  # (n, 28): the padded row each output row reads
    cols = np.arange(28) + m - dx[:, None]
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]].reshape(n, 784)


def train_network(X, y, *, lr: float, seed: int, num_epochs: int, optimizer: str = "momentum",
                  schedule: str = "cosine", max_shift: int = 0):
    """A fresh mlp([784, 128, 10]) trained on (X, y) in batches of 32: returns (model, History).

    optimizer: a name of ``helpers.optim.make_optimizer`` ("momentum" is β = 0.9);
    schedule: "cosine" (half a cosine from lr to 0 over the run) or "constant";
    max_shift: 0, or each batch's digits shifted at random by up to this many pixels.
    seed fixes the initial weights, the shuffles and the shifts.
    """
    check_choice("schedule", schedule, ("cosine", "constant"))
    check_int("max_shift", max_shift, low=0, high=27)
    model = mlp([784, HIDDEN, 10], seed=seed)
    opt = make_optimizer(optimizer, model.parameters(), lr)
    num_steps = num_epochs * math.ceil(len(X) / BATCH_SIZE)
    lr_schedule = CosineAnnealingLR(opt, T_max=num_steps) if schedule == "cosine" else None
    transform = (lambda X_batch, rng: shift_digits(X_batch, rng, max_shift)) if max_shift else None
    history = train(model, SoftmaxCrossEntropy(), opt, X, y, batch_size=BATCH_SIZE,
                    num_epochs=num_epochs, seed=seed, schedule=lr_schedule, transform=transform,
                    progress=False)
    return model, history


class ValidationScore:
    """``score(lr, seed)``: train one network on data's training digits, return its accuracy on
    the validation digits. Every run is kept: ``right[lr, seed]`` is a (n_val,) boolean array,
    True where that network reads the digit right; asking again costs nothing.

    optimizer, num_epochs, schedule, max_shift: as in ``train_network``, the same for every run.
    """

    def __init__(self, data, optimizer: str = "momentum", *, num_epochs: int = SEARCH_EPOCHS,
                 schedule: str = "cosine", max_shift: int = 0):
        if getattr(data, "X_val", None) is None:
            raise ValueError("data must have validation digits: "
                             "split_validation(load_mnist(...), n_val=800, seed=0)")
        self.data, self.right = data, {}
        self.settings = dict(optimizer=optimizer, num_epochs=num_epochs, schedule=schedule,
                             max_shift=max_shift)

    def __call__(self, lr: float, seed: int) -> float:
        if (lr, seed) not in self.right:
            model, _ = train_network(self.data.X_train, self.data.y_train, lr=lr, seed=seed,
                                     **self.settings)
            with np.errstate(all="ignore"):  # a run that blew up reads every digit as a 0
                y_hat = model.forward(self.data.X_val).argmax(axis=1)
            self.right[lr, seed] = y_hat == self.data.y_val
        return float(self.right[lr, seed].mean())

    def accuracies(self, lr: float, seeds=SEEDS) -> np.ndarray:
        """(len(seeds),) validation accuracies at ``lr``, one per seed."""
        return np.array([self(lr, seed) for seed in seeds])


def spread(accs) -> float:
    """The seed spread: the highest accuracy minus the lowest, (n_seeds,) -> float."""
    return float(np.max(accs) - np.min(accs))


def clear_lead(a, b) -> bool:
    """True when setting a beats b by more than the seed spread: mean(a) − mean(b) larger than
    the spread of either. a, b: (n_seeds,) accuracies. Anything less is a tie (or a loss)."""
    return float(np.mean(a) - np.mean(b)) > max(spread(a), spread(b))


def one_digit(lr: float) -> float:
    """lr rounded to one significant digit: 0.0316 -> 0.03, 0.316 -> 0.3, 3.16 -> 3."""
    return float(f"{lr:.1g}")


def grid_step(lr: float, steps: float) -> float:
    """The lr ``steps`` decades from lr, on the grid of 10^(k·step) rounded to one digit:
    grid_step(0.1, 1) = 1, grid_step(0.1, -0.5) = 0.03, grid_step(0.003, 0.5) = 0.01."""
    return one_digit(10 ** (round(2 * math.log10(lr)) / 2 + steps))


def search_lr(score, seeds=SEEDS, start=START, *, step: float = 1.0, refine: bool = True,
              max_lrs: int = 12) -> dict:
    """Coarse to fine on a log grid; returns {lr: (n_seeds,) validation accuracies}, in the
    order the lrs were tried.

    score(lr, seed) -> accuracy. 1. Score every lr of ``start`` with every seed. 2. Widen: while
    the best mean is at an end of the grid, add the lr ``step`` decades beyond that end (1: a
    factor 10; 0.5: the 1-3-10 grid), at most ``max_lrs`` in all. 3. Refine (if ``refine``): add
    the lrs half a step either side of the best (0.03 and 0.3 around 0.1).
    """
    accs = {}

    def add(lr):
        accs[lr] = np.array([score(lr, seed) for seed in seeds])

    def best():
        return max(sorted(accs), key=lambda lr: accs[lr].mean())  # on a tie, the smaller lr

    for lr in start:
        add(lr)
    while len(accs) < max_lrs and best() in (min(accs), max(accs)):
        add(grid_step(best(), -step if best() == min(accs) else step))
    if refine:
        for lr in (grid_step(best(), -step / 2), grid_step(best(), step / 2)):
            if lr not in accs:
                add(lr)
    return accs


def search_table(accs) -> str:
    """One line per lr, smallest first: the mean accuracy over seeds and the seed spread."""
    return "\n".join(f"lr {lr:<6g}  mean {percent(accs[lr].mean(), 1)}, spread "
                     f"{approx(100 * spread(accs[lr]), '.1f')} points" for lr in sorted(accs))


def compare(a, b) -> str:
    """a's lead over b and the larger seed spread, in points: both estimates."""
    lead = 100 * (np.mean(a) - np.mean(b))
    return (f"lead {approx(lead, '+.1f')} points, larger spread "
            f"{approx(100 * max(spread(a), spread(b)), '.1f')} points")


def choice_optimism(right, n_splits: int = 200, seed: int = 0) -> np.ndarray:
    """How much choosing the best network flatters it, on random halvings of one set of digits.

    right: (k, n) booleans, network i right on digit j. For each of ``n_splits`` halvings into A
    and B (a fresh permutation from ``seed`` each time): choose the network best on A (the first
    on a tie), and take its accuracy on A minus on B. Returns the (n_splits,) gaps, fractions.
    """
    right = np.asarray(right, dtype=float)
    rng = np.random.default_rng(seed)
    n = right.shape[1]
    gaps = np.empty(n_splits)
    for i in range(n_splits):
        order = rng.permutation(n)
        acc_a, acc_b = right[:, order[: n // 2]].mean(axis=1), right[:, order[n // 2:]].mean(axis=1)
        chosen = np.argmax(acc_a)  # the choice made on half A
        gaps[i] = acc_a[chosen] - acc_b[chosen]
    return gaps


def final_exam(models, data) -> np.ndarray:
    """The test accuracy of each model, (len(models),): call it once, after every choice."""
    return np.array([evaluate(model, data.X_test, data.y_test)[1] for model in models])


# ---- figures -------------------------------------------------------------------------------


def plot_search(accs, ax=None, *, label=None, color=None, floor: float = 0.8):
    """Validation accuracy against lr (log scale): each seed a dot, the mean a line.

    accs: {lr: (n_seeds,) accuracies}. Runs below ``floor`` are drawn on it as ▼.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    color = color or COLORS["momentum"]
    lrs = np.array(sorted(accs))
    table = np.array([accs[lr] for lr in lrs])  # (n_lrs, n_seeds)
    means = table.mean(axis=1)
    ax.plot(lrs, np.maximum(means, floor), "-", color=color, lw=1.8, label=label)
    for lr, row in zip(lrs, table):
        above = row >= floor
        ax.plot(np.full(above.sum(), lr), row[above], "o", color=color, ms=4, mfc="none")
        if not above.all():
            ax.plot([lr], [floor], "v", color=color, ms=8)
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.set_ylim(floor - 0.005, max(0.96, table.max() + 0.005))
    ax.text(0.02, 0.97, f"▼ below {100 * floor:.0f}%", transform=ax.transAxes, va="top",
            fontsize=9, color=COLORS["theory"])
    ax.set_xlabel("learning rate lr (log scale)")
    ax.set_ylabel("validation accuracy")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    return ax


def plot_optimism(gaps, ax=None):
    """A histogram of the gaps (accuracy on A − on B of the network chosen on A), in points."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.4))
    points = 100 * np.asarray(gaps)  # on 400 digits: multiples of 0.25 points
    edges = np.arange(np.floor(points.min()) - 0.125, np.ceil(points.max()) + 0.5, 0.5)
    ax.hist(points, bins=edges, color=COLORS["gd"], alpha=0.7)
    ax.axvline(0, color=COLORS["curve"], lw=1)
    ax.axvline(np.median(points), color=COLORS["sgd"], lw=2, ls="--", label="median")
    ax.set_xlabel("accuracy on half A − on half B of the network chosen on A (points)")
    ax.set_ylabel("halvings")
    ax.legend()
    return ax
