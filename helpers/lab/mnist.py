"""Notebooks 05a and 05b, a network on MNIST: the measurements around the experiment.

The network is the notebooks' 784-H-10 multilayer perceptron (ReLU, softmax cross-entropy),
trained by ``helpers.train.train``. What lives here:

- ``helpers.experiment.run_experiment``: one training run from its settings (shared with 06)
- ``choice_optimism``       (05a §1) why choices are made on validation digits: how much a
                            choice made on test digits flatters itself, on digits it never saw
- ``compare_sampling``      (05a §3) shuffling against drawing with replacement
- ``batch_size_sweep``      (05b §6) batch sizes 1 … N measured: updates and seconds per epoch,
                            accuracy after a fixed number of epochs and a fixed time budget
- ``confusion_matrix``, ``most_confident_mistakes`` (05b §7): what the network gets wrong
- ``subset``                (05b §8) the first n training digits, for more-data experiments

The figures and the table of runs are in ``helpers.figures.mnist``; the Train panel (sliders,
a Train button, a live figure and a table of runs) is ``helpers.panels.mnist``.

The default settings (``DEFAULTS``) are the notebooks' default configuration: on the offline
sample (3,200 training digits once 800 are kept for validation) they reach about 92% validation
accuracy (0.914 to 0.927 over seeds 0, 1, 2) in a few seconds at most.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..data import MNIST
from ..experiment import (
    DEFAULTS,
    N_CLASSES,
    SplitMNIST,
    _check_mnist,
    build_model,
    has_validation,
    one_blas_thread,
    run_experiment,
    split_validation,
)
from ..layers import Layer
from ..losses import SoftmaxCrossEntropy, softmax
from ..optim import OPTIMIZERS, make_optimizer
from ..train import evaluate, train
from ..validate import (
    check_array,
    check_batch_size,
    check_choice,
    check_int,
    check_ints,
    check_labels,
    check_lr,
    check_positive_number,
    check_same_length,
)

HIDDEN_OPTIONS = (16, 32, 64, 128, 256, 512)


def subset(data, n_train: int):
    """The same data with only the first ``n_train`` training digits (validation and test sets
    unchanged)."""
    _check_mnist(data)
    n_train = check_int("n_train", n_train, low=1, high=len(data.X_train))
    if has_validation(data):
        return SplitMNIST(data.X_train[:n_train], data.y_train[:n_train], data.X_test,
                          data.y_test, data.source,
                          f"{data.description}; first {n_train:,} training digits",
                          X_val=data.X_val, y_val=data.y_val)
    return MNIST(data.X_train[:n_train], data.y_train[:n_train], data.X_test, data.y_test,
                 data.source, f"{data.description}; first {n_train:,} training digits")


def compare_sampling(data, *, lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"],
                     num_epochs: int = 4, hidden=DEFAULTS["hidden"], seed: int = 0) -> dict:
    """Shuffle-every-epoch against drawing the examples with replacement, same budget.

    "shuffle": each epoch visits every training digit once (``helpers.train.train``);
    "replacement": each epoch trains on N digits drawn at random with replacement, so some come
    twice and others not at all. Same network, seed, lr, batch size and number of updates.
    data: split with ``split_validation`` if it has no validation set.
    Returns {"shuffle": row, "replacement": row}, each row a dict with ``train_loss``,
    ``train_acc``, ``val_acc`` and ``never_seen`` (mean fraction of the digits an epoch missed).
    """
    _check_mnist(data)
    data = split_validation(data)
    lr = check_lr(lr)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    n = len(data.X_train)
    batch_size = check_batch_size(batch_size, n)
    rows = {}
    with one_blas_thread():
        for sampling in ("shuffle", "replacement"):
            rows[sampling] = _train_sampled(data, sampling, n, lr=lr, batch_size=batch_size,
                                            num_epochs=num_epochs, hidden=hidden, seed=seed)
    return rows


def _train_sampled(data, sampling, n, *, lr, batch_size, num_epochs, hidden, seed) -> dict:
    """One run of ``compare_sampling``: "shuffle" or "replacement"."""
    model = build_model(hidden, seed)
    opt = make_optimizer("sgd", model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    missed = []
    for _ in range(check_int("num_epochs", num_epochs, low=1)):
        if sampling == "shuffle":
            idx = np.arange(n)  # train() shuffles: every digit exactly once
        else:
            idx = rng.integers(0, n, size=n)  # N draws with replacement
        missed.append(1 - len(np.unique(idx)) / n)
        train(model, SoftmaxCrossEntropy(), opt, data.X_train[idx], data.y_train[idx],
              batch_size=batch_size, num_epochs=1, seed=rng, progress=False)
    train_loss, train_acc = evaluate(model, data.X_train, data.y_train)
    _, val_acc = evaluate(model, data.X_val, data.y_val)
    return {"train_loss": train_loss, "train_acc": train_acc, "val_acc": val_acc,
            "never_seen": float(np.mean(missed))}


def batch_size_sweep(data, batch_sizes, *, n_train: int | None = None, lr: float = 0.1,
                     hidden: int = 128, num_epochs: int = 1, budget_seconds: float = 0.15,
                     optimizer: str = "sgd", seed: int = 0) -> list[dict]:
    """Train once per batch size and measure what a batch size buys.

    data: an ``MNIST`` (split with ``split_validation`` if it has no validation set); only its
    first ``n_train`` training digits are used (all if None), so that an epoch of batch size 1
    stays short. Accuracies are measured on the validation digits.
    batch_sizes: each from 1 to n_train.
    Each run trains a fresh network (same seed, same lr) until it has done ``num_epochs``
    epochs AND spent ``budget_seconds`` of wall-clock time, and records:
    ``updates_per_epoch`` = ceil(n_train / batch_size); ``seconds_per_update`` (mean training
    time of an update, validation evaluations left out) and ``seconds_per_epoch`` (that × updates);
    ``acc_epochs``: validation accuracy after ``num_epochs`` epochs (deterministic);
    ``acc_budget``, ``steps_in_budget``: validation accuracy and updates done when the budget
    ran out (these depend on the machine and on how busy it is).
    Returns one dict per batch size, in the order given.
    """
    _check_mnist(data)
    data = split_validation(data)
    lr = check_lr(lr)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    budget_seconds = check_positive_number("budget_seconds", budget_seconds)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    if isinstance(batch_sizes, (str, bytes)) or not np.iterable(batch_sizes):
        raise TypeError(f"batch_sizes must be a list of batch sizes, e.g. [1, 16, 256]; got "
                        f"{batch_sizes!r}")
    n = len(data.X_train) if n_train is None else check_int(
        "n_train", n_train, low=1, high=len(data.X_train))
    X_train, y_train = data.X_train[:n], data.y_train[:n]
    sizes = check_ints("batch_sizes", batch_sizes, low=1, high=n)
    rows = []
    with one_blas_thread():
        for b in sizes:
            rows.append(_measure_batch_size(data, X_train, y_train, b, lr=lr, hidden=hidden,
                                            num_epochs=num_epochs, budget_seconds=budget_seconds,
                                            optimizer=optimizer, seed=seed))
    return rows


def _measure_batch_size(data, X_train, y_train, batch_size, *, lr, hidden, num_epochs,
                        budget_seconds, optimizer, seed) -> dict:
    """One run of ``batch_size_sweep``: train until both marks are passed, measure at each.

    The clock counts training only: the validation evaluations (after each epoch and at the budget)
    are timed and left out, so that a full-batch update is not charged for them.
    """
    model = build_model(hidden, seed)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr)
    clock = {"start": time.perf_counter(), "last_step": None, "evaluating": 0.0, "evals": 0}
    found = {}

    def watch(history):
        # called after every update and again after each epoch's test evaluation
        now = time.perf_counter()
        if len(history.test_acc) > clock["evals"]:  # the epoch-end call: charge the evaluation
            clock["evaluating"] += now - clock["last_step"]
            clock["evals"] = len(history.test_acc)
        else:
            clock["last_step"] = now
            training = now - clock["start"] - clock["evaluating"]
            found["training_seconds"], found["steps"] = training, history.num_steps
            if "acc_budget" not in found and training >= budget_seconds:
                found["steps_in_budget"] = history.num_steps
                found["acc_budget"] = evaluate(model, data.X_val, data.y_val)[1]
                clock["evaluating"] += time.perf_counter() - now
        return not ("acc_budget" in found and len(history.test_acc) >= num_epochs)

    epochs_cap = num_epochs + 10_000  # the callback stops the run well before this
    history = train(model, SoftmaxCrossEntropy(), opt, X_train, y_train, batch_size=batch_size,
                    num_epochs=epochs_cap, seed=seed, X_test=data.X_val, y_test=data.y_val,
                    callbacks=(watch,), progress=False, log_every=1)
    if history.status != "ok":
        raise ValueError(f"lr={lr!r} is too large for batch size {batch_size}: {history.message}")
    updates_per_epoch = math.ceil(len(X_train) / batch_size)
    seconds_per_update = found["training_seconds"] / found["steps"]
    return {
        "batch_size": batch_size,
        "updates_per_epoch": updates_per_epoch,
        "seconds_per_update": seconds_per_update,
        "seconds_per_epoch": seconds_per_update * updates_per_epoch,
        "acc_epochs": history.test_acc[num_epochs - 1],
        "acc_budget": found["acc_budget"],
        "steps_in_budget": found["steps_in_budget"],
        "status": history.status,
    }


def predict(model, X) -> np.ndarray:
    """Predicted classes (n,) of ``model`` for images X (n, 784)."""
    _check_model(model)
    X = check_array("X", X, ndim=2)
    return np.asarray(model.forward(np.asarray(X, dtype=np.float32))).argmax(axis=1)


def confusion_matrix(y_true, y_pred, num_classes: int = N_CLASSES) -> np.ndarray:
    """Counts C[i, j] of examples of true class i predicted as j: (num_classes, num_classes)."""
    num_classes = check_int("num_classes", num_classes, low=1)
    y_true = check_labels("y_true", y_true, num_classes)
    y_pred = check_labels("y_pred", y_pred, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must be 1-D and of the same length; got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)  # one count per (true, predicted) pair
    return counts


def most_confident_mistakes(model, X, y, k: int = 10) -> dict:
    """The k wrong predictions the model was most sure of.

    Returns a dict of arrays, most confident first: ``index`` (rows of X), ``predicted``,
    ``true``, ``confidence`` (softmax probability of the predicted class).
    """
    k = check_int("k", k, low=1)
    _check_model(model)
    y = check_labels("y", y)
    probs = softmax(model.forward(np.asarray(X, dtype=np.float32)))
    check_same_length(probs, y, ("X", "y"))
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(y))
    confidence = probs[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:k]
    return {"index": order, "predicted": predicted[order], "true": np.asarray(y)[order],
            "confidence": probs[order, predicted[order]]}


def _check_model(model) -> None:
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a network such as build_model(128); got "
                        f"{type(model).__name__}")


OPTIMISM_LRS = (0.1, 0.2, 0.3)
OPTIMISM_SEEDS = (0, 1, 2, 3)


def choice_optimism(data, lrs=OPTIMISM_LRS, seeds=OPTIMISM_SEEDS, *, hidden: int = 64,
                      batch_size: int = 32, num_epochs: int = 2, n_splits: int = 200) -> dict:
    """How much choosing on the test digits flatters the choice, measured on fresh digits.

    Trains one network per learning rate in ``lrs`` and random seed in ``seeds``: k settings,
    all about equally good, as in a search over a grid. Then, for each of
    ``n_splits`` random halvings of the test digits into A and B (split seeds 0, 1, ...), picks
    the setting with the best accuracy on A, as if A were the test set used for choosing, and
    scores that same network on B, digits nothing was chosen on. The gap acc_A − acc_B of the
    chosen network is the optimism of a test-set choice: positive on average, although A and B
    are halves of the same digits.
    Returns a dict: ``settings`` (k (lr, seed) pairs), ``val_acc`` (k,), ``gaps`` (n_splits,)
    in accuracy fractions,
    ``median_gap``, ``share_positive`` (fraction of halvings with a positive gap), ``chosen``
    (k,) how often each setting was picked.
    """
    _check_mnist(data)
    data = split_validation(data)
    if isinstance(lrs, (str, bytes)) or not np.iterable(lrs) or len(lrs) < 2:
        raise TypeError(f"lrs must be a list of at least 2 learning rates; got {lrs!r}")
    lrs = [check_lr(lr) for lr in lrs]
    seeds = check_ints("seeds", seeds, low=0)
    n_splits = check_int("n_splits", n_splits, low=1)
    settings = [(lr, seed) for lr in lrs for seed in seeds]
    correct, val_acc = [], []
    for lr, seed in settings:
        run = run_experiment(data, lr=lr, hidden=hidden, batch_size=batch_size,
                             num_epochs=num_epochs, seed=seed)
        correct.append(predict(run["model"], data.X_test) == data.y_test)
        val_acc.append(run["val_acc"])
    correct = np.array(correct, dtype=float)  # (k, n_test): 1 where a network is right
    n_test = correct.shape[1]
    gaps, chosen = np.empty(n_splits), np.zeros(len(settings), dtype=int)
    for split in range(n_splits):
        order = np.random.default_rng(split).permutation(n_test)
        half_a, half_b = order[: n_test // 2], order[n_test // 2:]
        acc_a, acc_b = correct[:, half_a].mean(axis=1), correct[:, half_b].mean(axis=1)
        best = int(np.argmax(acc_a))  # the choice made on the test digits of half A
        gaps[split] = acc_a[best] - acc_b[best]
        chosen[best] += 1
    return {"settings": settings, "val_acc": np.array(val_acc), "gaps": gaps,
            "median_gap": float(np.median(gaps)), "share_positive": float(np.mean(gaps > 0)),
            "chosen": chosen}
