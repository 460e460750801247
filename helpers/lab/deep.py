"""Measurements of notebooks 08a (initialisation) and 08b (overfitting and regularisation).

Two experiments, pure numpy, no plotting:

- At initialisation, the size of each layer's gradient ||dL/dW_l|| in MLPs of depth 2 to 20,
  for sigmoid, tanh and ReLU, with the weights drawn at different scales
  (``helpers.layers.init_std``): ``grad_norms``, ``grad_norm_ratio``, ``ratio_table``; and what
  that does to a few epochs of training on MNIST: ``train_deep``.
- On a few hundred digits a network learns its training set by heart: ``fit`` records the
  training and validation curves (both measured after each epoch, in evaluation mode), with
  optional early stopping on the validation loss; ``regularisation_summary`` reads the gap and
  the best validation accuracy off them.

Validation digits always come from the training digits (``validation_split``, stratified with a
fixed seed); the test digits are not used here to choose anything.

- ``deep_mlp``            an MLP with ``depth`` Linear layers of the same width
- ``grad_norms``          ||dL/dW_l|| for each layer l of a model, on one batch, at its weights
- ``grad_norm_ratio``     first layer's norm / last layer's norm, median over seeds
- ``ratio_table``         that ratio over depths × (activation, init)
- ``validation_split``, ``stratified_subset``   where the digits come from
- ``train_deep``          a few epochs of SGD on MNIST: validation accuracy after each
- ``train_deep_seeds``    the same for several seeds: median and range of the accuracy
- ``fit``                 training with train/validation curves, weight decay, early stopping
- ``regularisation_summary``  the gap and the best validation accuracy of a ``Curves``
- ``format_ratio_table``, ``over_seeds``   text and medians for the notebook's tables
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import stratified_split
from ..layers import Layer, Linear, Sequential, init_std, mlp
from ..losses import SoftmaxCrossEntropy
from ..optim import SGD
from ..train import evaluate, train
from ..validate import (
    check_array,
    check_batch_size,
    check_int,
    check_ints,
    check_labels,
    check_same_length,
    check_seed,
)

WIDTH = 64  # hidden units per layer in the depth experiments
INIT_LABELS = {"pytorch": "PyTorch default", "glorot": "Glorot", "he": "He"}


def init_label(init) -> str:
    """A short name for an init: "PyTorch default", "Glorot", "He" or "std 0.01"."""
    init_std(init, 1, 1)  # checks it
    return INIT_LABELS[init] if isinstance(init, str) else f"std {init:g}"


def deep_mlp(depth: int, activation: str, init, *, width: int = WIDTH, n_in: int = 784,
             n_out: int = 10, seed=0, dtype=np.float64) -> Sequential:
    """An MLP with ``depth`` Linear layers: n_in -> width -> ... -> width -> n_out.

    depth >= 2 (one hidden layer at least); activation: "relu", "sigmoid" or "tanh";
    init: "pytorch", "glorot", "he" or a std (see ``helpers.layers.Linear``).
    """
    depth = check_int("depth", depth, low=2)
    width = check_int("width", width, low=1)
    return mlp([n_in] + [width] * (depth - 1) + [n_out], activation, seed=seed, dtype=dtype,
               init=init)


def _linear_layers(model: Sequential) -> list[Linear]:
    """The Linear layers of a Sequential, first to last."""
    return [layer for layer in model.layers if isinstance(layer, Linear)]


def _check_digits(X, y, names=("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """X (n, n_features) finite numbers and y (n,) integer labels, named in any error."""
    X = check_array(names[0], X, ndim=2)
    y = check_labels(names[1], y)
    check_same_length(X, y, names)
    return X, y


def grad_norms(model: Sequential, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """||dL/dW_l|| (Frobenius norm) for each Linear layer l, first to last: shape (depth,).

    L is the softmax cross-entropy of the model on the batch (X (B, n_in), y (B,) labels),
    at the model's current weights; nothing is updated.
    """
    if not isinstance(model, Sequential) or not _linear_layers(model):
        raise TypeError(f"model must be a Sequential of Linear layers (e.g. deep_mlp(10, 'relu', "
                        f"'he')); got {type(model).__name__}")
    X, y = _check_digits(X, y)
    loss_fn = SoftmaxCrossEntropy()
    with np.errstate(all="ignore"):  # a badly scaled network may overflow: that is the point
        loss_fn.forward(model.forward(X.astype(model.params["0.W"].dtype)), y)
        model.backward(loss_fn.backward())
    return np.array([np.linalg.norm(layer.grads["W"]) for layer in _linear_layers(model)])


def grad_norm_profile(depth: int, activation: str, init, X, y, *, width: int = WIDTH,
                      seed: int = 0) -> np.ndarray:
    """``grad_norms`` of a freshly built ``deep_mlp``: shape (depth,)."""
    X, y = _check_digits(X, y)
    return grad_norms(deep_mlp(depth, activation, init, width=width, n_in=np.shape(X)[1],
                               seed=seed), X, y)


def grad_norm_ratio(depth: int, activation: str, init, X, y, *, width: int = WIDTH,
                    seeds=(0, 1, 2)) -> float:
    """||dL/dW_first|| / ||dL/dW_last|| at initialisation, the median over ``seeds``.

    Near 1: every layer learns at a similar speed. Far below 1: the gradient vanishes on its
    way back to the first layers; far above 1: it explodes.
    """
    seeds = check_ints("seeds", seeds, low=0)
    ratios = []
    for seed in seeds:
        norms = grad_norm_profile(depth, activation, init, X, y, width=width, seed=seed)
        ratios.append(norms[0] / norms[-1] if norms[-1] > 0 else np.inf)
    return float(np.median(ratios))


def ratio_table(depths, settings, X, y, *, width: int = WIDTH, seeds=(0, 1, 2)) -> dict:
    """``grad_norm_ratio`` for every depth and (activation, init) pair.

    depths: e.g. [2, 5, 10, 20]; settings: [(activation, init), ...].
    Returns {"depths": array (D,), "settings": list, "ratio": array (S, D)}.
    """
    depths = check_ints("depths", depths, low=2)
    settings = list(settings) if np.iterable(settings) and not isinstance(settings, str) else None
    if not settings or any(not isinstance(pair, (tuple, list)) or len(pair) != 2
                           for pair in settings):
        raise TypeError("settings must be a list of (activation, init) pairs, e.g. "
                        "[('relu', 'he')]; got " + repr(settings))
    X, y = _check_digits(X, y)
    ratio = np.array([[grad_norm_ratio(d, act, init, X, y, width=width, seeds=seeds)
                       for d in depths] for act, init in settings])
    return {"depths": np.array(depths), "settings": list(settings), "ratio": ratio}


# ---- the digits ---------------------------------------------------------------------------------

def validation_split(X, y, n_val: int = 800, seed: int = 0):
    """Carve a stratified validation set of ``n_val`` digits out of the training digits.

    Returns (X_train, y_train, X_val, y_val); the same seed gives the same split everywhere.
    """
    X, y = _check_digits(X, y)
    n_val = check_int("n_val", n_val, low=1, high=len(y) - 1)
    train_idx, val_idx = stratified_split(y, n_val, seed)
    return X[train_idx], y[train_idx], X[val_idx], y[val_idx]


def stratified_subset(X, y, n: int, seed: int = 0):
    """``n`` examples, the same share of each class as in y (stratified, fixed seed): (X, y)."""
    X, y = _check_digits(X, y)
    n = check_int("n", n, low=1, high=len(y) - 1)
    _, idx = stratified_split(y, n, seed)
    return X[idx], y[idx]


# ---- training -----------------------------------------------------------------------------------

def train_deep(depth: int, activation: str, init, X, y, X_val, y_val, *, num_epochs: int = 3,
               lr: float = 0.1, batch_size: int = 64, width: int = WIDTH, seed: int = 0) -> dict:
    """Train a ``deep_mlp`` with plain SGD; return its validation accuracy after each epoch.

    Returns {"val_acc": array (num_epochs + 1,) (entry 0: before training), "status": the
    History's status ("ok", "blew_up" or "diverged")}.
    """
    X, y = _check_digits(X, y)
    X_val, y_val = _check_digits(X_val, y_val, ("X_val", "y_val"))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    model = deep_mlp(depth, activation, init, width=width, n_in=X.shape[1], seed=seed)
    accuracies = [evaluate(model, X_val, y_val)[1]]
    history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=lr), X, y,
                    batch_size=batch_size, num_epochs=num_epochs, seed=seed, X_test=X_val,
                    y_test=y_val, progress=False)  # "test" here: the validation digits
    accuracies += history.test_acc
    accuracies += [np.nan] * (num_epochs + 1 - len(accuracies))  # epochs a blow-up cut off
    return {"val_acc": np.array(accuracies), "status": history.status}


def train_deep_seeds(depth: int, activation: str, init, X, y, X_val, y_val, *,
                     seeds=(0, 1, 2), **kwargs) -> dict:
    """``train_deep`` once per seed (other keyword arguments passed on).

    Returns {"val_acc": array (len(seeds), num_epochs + 1) (NaN after a blow-up),
    "median", "low", "high": arrays (num_epochs + 1,) across seeds (NaN where a run blew up),
    "status": the list of each run's status}.
    """
    seeds = check_ints("seeds", seeds, low=0)
    runs = [train_deep(depth, activation, init, X, y, X_val, y_val, seed=seed, **kwargs)
            for seed in seeds]
    acc = np.array([run["val_acc"] for run in runs])
    return {"val_acc": acc, "median": np.median(acc, axis=0), "low": acc.min(axis=0),
            "high": acc.max(axis=0), "status": [run["status"] for run in runs]}


@dataclass
class Curves:
    """Per-epoch measurements of one training run, each taken after the epoch in eval mode.

    train_loss, train_acc, val_loss, val_acc: arrays (num_epochs,) (epoch 1 first);
    best_epoch: the epoch with the lowest validation loss (1-based) up to the stop;
    stop_epoch: the epoch early stopping stopped at (num_epochs without early stopping);
    kept_val_acc, kept_val_loss: the validation accuracy and loss of the model kept (at
    best_epoch with early stopping, at the last epoch without).
    """

    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    best_epoch: int
    stop_epoch: int
    kept_val_acc: float
    kept_val_loss: float
    settings: dict = field(default_factory=dict)


def fit(model, X, y, X_val, y_val, *, lr: float = 0.05, momentum: float = 0.9,
        weight_decay: float = 0.0, num_epochs: int = 100, batch_size: int = 32,
        patience: int | None = None, seed: int = 0) -> Curves:
    """Train ``model`` with SGD (momentum, L2 weight decay) and record train/validation curves.

    After every epoch the model is switched to eval mode (dropout off), its loss and accuracy
    on the training digits and on the validation digits are measured, and it is switched back.
    patience: early stopping: stop when the validation loss has not improved for ``patience``
    epochs and restore the weights of the best epoch (None: train all ``num_epochs``).
    """
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a Layer (e.g. mlp([784, 100, 10])); "
                        f"got {type(model).__name__}")
    X, y = _check_digits(X, y)
    X_val, y_val = _check_digits(X_val, y_val, ("X_val", "y_val"))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    batch_size = check_batch_size(batch_size, len(X))
    if patience is not None:
        patience = check_int("patience", patience, low=1)
    seed = check_seed(seed)
    record = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best = {"loss": np.inf, "epoch": 0, "params": None}

    def after_epoch(history) -> bool:
        model.eval()
        for part, (Xp, yp) in (("train", (X, y)), ("val", (X_val, y_val))):
            loss, acc = evaluate(model, Xp, yp)
            record[f"{part}_loss"].append(loss)
            record[f"{part}_acc"].append(acc)
        model.train()
        epoch = len(record["val_loss"])
        if record["val_loss"][-1] < best["loss"]:
            best.update(loss=record["val_loss"][-1], epoch=epoch,
                        params={k: v.copy() for k, v in model.params.items()})
        return patience is None or epoch - best["epoch"] < patience

    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    steps = num_epochs * -(-len(X) // batch_size)
    train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=batch_size,
          num_epochs=num_epochs, seed=seed, callbacks=[after_epoch], log_every=steps + 1,
          progress=False)
    model.eval()
    stop_epoch = len(record["val_loss"])
    if patience is not None:  # early stopping keeps the best weights seen
        for name, value in best["params"].items():
            model.params[name][...] = value
        kept = best["epoch"] - 1
    else:
        kept = stop_epoch - 1
    curves = {key: np.array(values) for key, values in record.items()}
    return Curves(**curves, best_epoch=best["epoch"], stop_epoch=stop_epoch,
                  kept_val_acc=float(record["val_acc"][kept]),
                  kept_val_loss=float(record["val_loss"][kept]),
                  settings={"lr": lr, "momentum": momentum, "weight_decay": weight_decay,
                            "patience": patience})


def regularisation_summary(curves: Curves) -> dict:
    """The numbers a row of the regularisation table shows, read off a run's curves.

    gap: training accuracy − validation accuracy at the end (the stop epoch);
    loss_gap: validation loss − training loss there; best_val_acc: the highest validation
    accuracy over the epochs run; lowest_val_loss: the lowest validation loss; kept_val_acc,
    kept_val_loss: those of the model kept; epochs: epochs run.
    """
    if not isinstance(curves, Curves):
        raise TypeError(f"curves must be the Curves that fit returned; got "
                        f"{type(curves).__name__}")
    end = curves.stop_epoch - 1
    return {"train_acc": float(curves.train_acc[end]), "val_acc": float(curves.val_acc[end]),
            "gap": float(curves.train_acc[end] - curves.val_acc[end]),
            "loss_gap": float(curves.val_loss[end] - curves.train_loss[end]),
            "best_val_acc": float(np.max(curves.val_acc[:end + 1])),
            "lowest_val_loss": float(np.min(curves.val_loss[:end + 1])),
            "kept_val_acc": curves.kept_val_acc, "kept_val_loss": curves.kept_val_loss,
            "epochs": curves.stop_epoch}


def format_ratio_table(table: dict, labels) -> str:
    """``ratio_table``'s result as text: one row per setting, one column per depth."""
    head = f"{'depth:':>28s}" + "".join(f"{d:>10d}" for d in table["depths"])
    rows = [f"{label:>28s}" + "".join(f"{r:10.1e}" for r in ratios)
            for label, ratios in zip(labels, table["ratio"])]
    return "\n".join([head, *rows])


def over_seeds(summaries) -> dict:
    """{key: (median, lowest, highest)} over a list of ``regularisation_summary`` dicts."""
    if not isinstance(summaries, (list, tuple)) or not summaries or not all(
            isinstance(s, dict) for s in summaries):
        raise TypeError(f"summaries must be a non-empty list of regularisation_summary dicts; "
                        f"got {summaries!r}"[:200])
    keys = summaries[0].keys()
    return {key: (float(np.median([s[key] for s in summaries])),
                  float(min(s[key] for s in summaries)), float(max(s[key] for s in summaries)))
            for key in keys}
