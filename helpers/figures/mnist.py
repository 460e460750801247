"""Figures and tables of notebooks 05a and 05b: the runs of the experiment panel (and their HTML
table), the batch-size sweep, digits with their captions, the confusion matrix, the weights.

Each ``plot_*`` function takes ``ax=None`` (or ``fig=None`` when it draws several axes) and
returns what it drew on.
"""

from __future__ import annotations

import html
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..experiment import CHANCE_ACCURACY, smoothed_loss
from ..plots import COLORS, PALETTE, plain_log_axis, plain_log_ticks
from ..validate import check_array, check_int

# run k gets colour k: Okabe–Ito without its yellow (too pale on white) until run 8
RUN_COLORS = [c for c in PALETTE[1:] if c != "#F0E442"] + [PALETTE[0], "#F0E442"]


TABLE_COLUMNS = ("run", "lr", "batch size", "epochs", "hidden", "optimizer",
                 "final train loss", "validation accuracy", "time (s)")

RUN_KEYS = ("lr", "batch_size", "num_epochs", "hidden", "optimizer", "train_loss", "val_acc",
            "seconds", "status")


def _check_run(run, name: str, keys=RUN_KEYS) -> None:
    """A result of run_experiment: a dict with (at least) the settings and the final numbers."""
    if not isinstance(run, dict) or any(key not in run for key in keys):
        raise TypeError(f"{name} must be a dict like those run_experiment() returns, with keys "
                        f"{', '.join(keys)}; got {run!r:.200}")


def plot_confusion_matrix(counts, ax=None):
    """Draw a confusion matrix (true class down, predicted across) with the counts written in."""
    counts = np.asarray(counts)
    if ax is None:
        ax = Figure(figsize=(5.0, 4.6)).subplots()
    k = len(counts)
    # colour by the fraction of each true class, so rare mistakes still show
    fraction = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(np.sqrt(fraction), cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                dark = fraction[i, j] > 0.35
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if dark else COLORS["curve"])
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.grid(False)
    shares = np.array([0, 0.01, 0.05, 0.2, 0.5, 1.0])
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.8, ticks=np.sqrt(shares),
                             label="share of the true class (square-root scale)")
    bar.ax.set_yticklabels([f"{share:.0%}" for share in shares])
    return ax


def show_weight_images(W, ax=None, *, num=32, ncols=8):
    """The first ``num`` columns of a first-layer weight matrix W (784, H) as 28×28 images.

    Each image shows what one hidden unit responds to: blue pixels raise its input, red lower
    it. Every image has its own symmetric colour scale (its largest |w|).
    """
    W = np.asarray(W, dtype=float)
    num = min(check_int("num", num, low=1), W.shape[1])
    nrows = math.ceil(num / ncols)
    if ax is None:
        ax = Figure(figsize=(ncols * 0.9, nrows * 0.9)).subplots()
    pad = 2
    tiles = np.full((nrows * (28 + pad) - pad, ncols * (28 + pad) - pad), np.nan)
    for unit in range(num):
        r, c = divmod(unit, ncols)
        w = W[:, unit].reshape(28, 28)
        tiles[r * (28 + pad):r * (28 + pad) + 28, c * (28 + pad):c * (28 + pad) + 28] = (
            w / max(np.abs(w).max(), 1e-12))
    # "nearest": one block per weight, as it is (and a PNG a quarter of the size)
    ax.imshow(tiles, cmap="RdBu", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    return ax


def plot_runs(fig, runs, n_train: int, *, current=None) -> None:
    """Redraw ``fig`` (two axes): smoothed training loss and validation accuracy against epochs.

    runs: finished run dicts (from ``run_experiment``); current: the running run's
    (label, history), drawn in its own colour with a thicker line.
    """
    ax_loss, ax_acc = fig.axes
    for ax in (ax_loss, ax_acc):
        ax.clear()
    entries = [(run_label(i + 1, r), r["history"]) for i, r in enumerate(runs)]
    if current is not None:
        entries.append(current)
    for i, (label, history) in enumerate(entries):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        width = 2.2 if (current is not None and i == len(entries) - 1) else 1.3
        x, loss = smoothed_loss(history, n_train)
        if len(x):
            # a single point (one full-batch update) gets a marker, or nothing would show
            ax_loss.plot(x, np.clip(loss, 1e-3, 1e6), color=color, lw=width, label=label,
                         marker="o" if len(x) == 1 else None)
        acc = np.asarray(history.test_acc, dtype=float)
        ax_acc.plot(np.arange(1, len(acc) + 1), 100 * acc, "o-", color=color, lw=width, ms=4)
    plain_log_axis(ax_loss)
    low, high = ax_loss.get_ylim()
    if ax_loss.lines and high / low < 300:  # up to about two decades: label 0.1, 0.2, 0.5, 1, …
        ticks = _ticks_125(ax_loss, [low, high], margin=2.5)
        below, above = [t for t in ticks if t <= low], [t for t in ticks if t >= high]
        ax_loss.set_ylim(below[-1] if below else low, above[0] if above else high)
    ax_acc.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_loss.set_xlabel("epoch (passes over the training digits)")
    ax_loss.set_ylabel("training loss (log scale)")
    ax_loss.set_title("loss, averaged over a tenth of an epoch")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title("accuracy on the validation digits")
    accs = [a for _, h in entries for a in h.test_acc if math.isfinite(a)]
    low = 10 * math.floor(min(accs) * 10 - 0.5) if accs else 0  # zoom in, in steps of 10%
    ax_acc.set_ylim(max(low, 0), 100)
    if low <= 100 * CHANCE_ACCURACY:  # the chance line, when the axis reaches down to it
        ax_acc.axhline(100 * CHANCE_ACCURACY, color=COLORS["theory"], lw=1, ls="--")
        ax_acc.text(0.02, 100 * CHANCE_ACCURACY + 2, "guessing", color=COLORS["theory"],
                    transform=ax_acc.get_yaxis_transform(), fontsize=8)
    if not entries:
        ax_loss.text(0.5, 0.5, "press Train", ha="center", va="center",
                     transform=ax_loss.transAxes, color=COLORS["theory"])
    elif ax_loss.lines:
        ax_loss.legend(fontsize=7, loc="upper right")


def run_label(number: int, run: dict) -> str:
    """A short legend label: "run 2: sgd lr=0.1 B=16 H=128"."""
    number = check_int("number", number, low=1)
    _check_run(run, "run", ("optimizer", "lr", "batch_size", "hidden"))
    return (f"run {number}: {run['optimizer']} lr={run['lr']:.3g} B={run['batch_size']} "
            f"H={run['hidden']}")



def runs_table_html(runs) -> str:
    """An HTML <table>, one row per run (the best validation accuracy in bold); '' if no runs."""
    if isinstance(runs, (str, bytes)) or not np.iterable(runs):
        raise TypeError(f"runs must be a list of run_experiment() results; got {runs!r}")
    for i, run in enumerate(runs):
        _check_run(run, f"runs[{i}]")
    if not runs:
        return ""
    best = max(range(len(runs)), key=lambda i: runs[i]["val_acc"])
    head = "".join(f"<th style='padding:2px 8px'>{c}</th>" for c in TABLE_COLUMNS)
    rows = []
    for i, r in enumerate(runs):
        cells = (i + 1, f"{r['lr']:.3g}", r["batch_size"], r["num_epochs"], r["hidden"],
                 r["optimizer"], f"{r['train_loss']:.3f}", f"{r['val_acc']:.1%}",
                 f"{r['seconds']:.1f}")
        style = "font-weight:bold;" if i == best else ""
        if r["status"] != "ok":
            style += f"color:{COLORS['unstable']};"
        tds = "".join(f"<td style='padding:2px 8px;text-align:right'>{html.escape(str(c))}</td>"
                      for c in cells)
        rows.append(f"<tr style='{style}'>{tds}</tr>")
    return (f"<table class='runs-table' style='border-collapse:collapse;font-size:13px'>"
            f"<tr>{head}</tr>{''.join(rows)}</table>")


def show_digit_grid(images, captions, *, ncols: int = 10, fig=None, colors=None):
    """Digits in a grid, each in its own small axes with its caption ABOVE it, never on the ink.

    images: (n, 784) or (n, 28, 28) grey levels in [0, 1]; captions: n strings (a caption may
    have two lines); colors: None or n colours for the captions. Returns the (n,) axes.
    """
    images = check_array("images", images)
    if len(images) == 0 or images[0].size != 784:
        raise ValueError(f"images must have shape (n, 784) or (n, 28, 28) with n >= 1; got shape "
                         f"{images.shape}")
    n = len(images)
    if isinstance(captions, (str, bytes)) or not np.iterable(captions) or len(captions) != n:
        raise ValueError(f"captions must hold one string per image ({n}); got {captions!r:.80}")
    ncols = min(check_int("ncols", ncols, low=1), n)
    nrows = math.ceil(n / ncols)
    lines = max(str(c).count("\n") + 1 for c in captions)
    if fig is None:
        fig = Figure(figsize=(0.95 * ncols, (1.0 + 0.22 * lines) * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(str(captions[i]), fontsize=9, pad=3, linespacing=1.1,
                     color=COLORS["curve"] if colors is None else colors[i])
    return axes[:n]


def plot_batch_size_sweep(sweeps, n_train: int, budget_seconds: float, fig=None):
    """Three panels for ``batch_size_sweep`` runs, one quantity (and one unit) per axis.

    sweeps: one list of rows per seed (same batch sizes). Left: training time of one update
    (ms); middle: time per training example (µs); both the median over seeds. Right: validation
    accuracy (%) after one epoch and when ``budget_seconds`` ran out, the mean over seeds with a
    bar from the lowest to the highest seed. Returns the three axes.
    """
    if isinstance(sweeps, (str, bytes)) or not np.iterable(sweeps) or not len(sweeps):
        raise TypeError(f"sweeps must be a list of batch_size_sweep() results; got {sweeps!r:.80}")
    n_train = check_int("n_train", n_train, low=1)
    sizes = np.array([row["batch_size"] for row in sweeps[0]])

    def column(key):  # (n_seeds, n_sizes)
        return np.array([[row[key] for row in sweep] for sweep in sweeps], dtype=float)

    if fig is None:
        fig = Figure(figsize=(11.0, 3.6))
    ax_update, ax_example, ax_acc = fig.subplots(1, 3)
    per_update = 1e3 * np.median(column("seconds_per_update"), axis=0)
    per_example = 1e6 * np.median(column("seconds_per_epoch"), axis=0) / n_train
    for ax, values, color, what in (
            (ax_update, per_update, COLORS["gd"], "time of one update (ms)"),
            (ax_example, per_example, COLORS["sgd"], "time per training example (µs)")):
        ax.loglog(sizes, values, "o-", color=color)
        _ticks_125(ax, values)
        plain_log_ticks(ax.xaxis, minor_ticks=False)
        ax.set_xlabel("batch size B (log scale)")
        ax.set_ylabel(f"{what}, log scale")
        ax.set_title(("cost of one update" if ax is ax_update else "cost per training example")
                     + (" (median of seeds)" if len(sweeps) > 1 else ""), fontsize=10)
    for key, color, marker, label in (
            ("acc_epochs", COLORS["gd"], "o", "after 1 epoch (same examples)"),
            ("acc_budget", COLORS["sgd"], "s", f"after {budget_seconds:g} s (same time)")):
        acc = 100 * column(key)
        mean = acc.mean(axis=0)
        ax_acc.errorbar(sizes, mean, yerr=[mean - acc.min(axis=0), acc.max(axis=0) - mean],
                        fmt=marker + "-", color=color, capsize=3, label=label)
    ax_acc.set_xscale("log")
    plain_log_ticks(ax_acc.xaxis, minor_ticks=False)
    ax_acc.set_ylim(0, 100)
    ax_acc.set_xlabel("batch size B (log scale)")
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title(f"accuracy, mean of {len(sweeps)} seeds (bar: range)", fontsize=10)
    ax_acc.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return ax_update, ax_example, ax_acc


def _ticks_125(ax, values, margin: float = 1.3) -> list[float]:
    """Label a log y axis at 1, 2, 5, 10, 20, 50, ... over the range of ``values`` (widened by the
    factor ``margin`` each way)."""
    low, high = float(np.min(values)), float(np.max(values))
    decades = range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
    ticks = [m * 10.0**e for e in decades for m in (1, 2, 5)
             if low / margin <= m * 10.0**e <= high * margin]
    ax.set_yticks(ticks)
    ax.minorticks_off()
    plain_log_ticks(ax.yaxis, minor_ticks=False, keep_ticks=True)
    return ticks
