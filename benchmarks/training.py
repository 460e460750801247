"""Training throughput: one epoch of a 784-128-10 MLP, three ways, at several batch sizes.

The same task for every implementation: 10,000 MNIST-shaped examples (float32 pixels drawn
uniformly from [0, 1), integer labels 0..9, fixed seed; random data costs exactly what real digits
cost), a 784-128-10 network with ReLU, softmax cross-entropy, plain SGD (lr=0.01, no momentum),
one epoch in a shuffled order, the loss read as a Python number after every step.

- ``helpers``: ``helpers.layers.mlp`` + ``SoftmaxCrossEntropy`` + ``helpers.optim.SGD`` +
  ``helpers.train.train(progress=False)``: what a learner runs, argument checks included.
- bare numpy: the loop below, written by hand with no abstraction: the floor of what numpy can
  do for this network (same matmuls, same elementwise work, nothing else).
- PyTorch on the CPU, when installed: the idiomatic loop (``nn.Sequential``, ``CrossEntropyLoss``,
  ``torch.optim.SGD``, batches cut from a ``randperm``, ``loss.item()`` each step), with torch's
  intra-op threads set to the number of threads numpy's BLAS uses.
"""

from __future__ import annotations

import gc
import math
import os
import time

import numpy as np

from .machine import blas_threads
from .report import Section, fmt_ratio, fmt_seconds, median, verdict

SIZES = (784, 128, 10)
LR = 0.01
BATCH_SIZES = (1, 10, 64, 256)
HELPERS_VS_BARE_TARGET = 1.25  # helpers may take at most this many times the bare loop's time
TORCH_SPEEDUP_TARGET = 2.0  # helpers should be at least this many times faster than PyTorch
TORCH_TARGET_BATCH_SIZES = (10, 64, 256)

IMPLEMENTATIONS = ("helpers", "numpy", "torch")
LABELS = {"helpers": "helpers", "numpy": "bare numpy", "torch": "PyTorch (CPU)"}


def make_data(n_examples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped data: X (n_examples, 784) float32 in [0, 1), y (n_examples,) int64 in 0..9."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_examples, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], size=n_examples)
    return X, y


# ---- FLOP count -------------------------------------------------------------------------------

def matmul_flops_per_example() -> dict[str, int]:
    """Multiply-adds (counted as 2 FLOPs) of the matmuls of one training example, by pass.

    forward:  X W1 (784x128) and A W2 (128x10): 2 (784*128 + 128*10) = 203,264.
    backward: dW1 = X^T dH (2*784*128), dW2 = A^T dZ (2*128*10), dA = dZ W2^T (2*128*10)
              = 205,824. The gradient with respect to the pixels (dX = dH W1^T) is not
              computed by any of the three implementations, so it is not counted.
    convention_3x: 3 x forward, the usual rule of thumb, which also counts that dX.
    """
    n_in, n_hidden, n_out = SIZES
    forward = 2 * (n_in * n_hidden + n_hidden * n_out)
    backward = 2 * (n_in * n_hidden + 2 * n_hidden * n_out)
    return {"forward": forward, "backward": backward, "total": forward + backward,
            "convention_3x": 3 * forward}


# ---- the three implementations ----------------------------------------------------------------

def init_params(seed: int = 0, dtype=np.float32) -> list[np.ndarray]:
    """W1, b1, W2, b2 drawn from U(-1/sqrt(n_in), 1/sqrt(n_in)), as PyTorch's nn.Linear does."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / math.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype))
        params.append(rng.uniform(-bound, bound, size=n_out).astype(dtype))
    return params


def epoch_numpy(X: np.ndarray, y: np.ndarray, batch_size: int, lr: float = LR,
                seed: int = 0) -> tuple[float, float]:
    """One epoch of the bare numpy loop; returns (seconds, mean loss of the epoch).

    X (N, 784) float32, y (N,) int labels. Only the loop is timed, not the initialisation.
    Written as a floor, not for reading: the weight gradients go into buffers allocated once
    (``np.dot(..., out=)``) and the updates are in place, so that no weight-sized array is
    allocated per step. ``np.dot``, not ``np.matmul``: for a batch of one, dW = x^T dH is an
    outer product, which ``np.matmul`` computes without BLAS, about 5x slower (numpy 2.4).
    """
    W1, b1, W2, b2 = init_params(seed)
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)
    rng = np.random.default_rng(seed)
    n = len(X)
    all_rows = np.arange(batch_size)
    loss_sum = 0.0
    start = time.perf_counter()
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        idx = order[first:first + batch_size]
        X_batch, y_batch, rows = X[idx], y[idx], all_rows[:len(idx)]
        H = np.dot(X_batch, W1)  # H = X W1 + b1
        H += b1
        A = np.maximum(H, 0)  # A = relu(H)
        Z = np.dot(A, W2)  # Z = A W2 + b2 (logits)
        Z += b2
        Z -= Z.max(axis=1, keepdims=True)  # log-sum-exp shift
        P = np.exp(Z)
        sum_exp = P.sum(axis=1)
        loss_sum += float(np.mean(np.log(sum_exp) - Z[rows, y_batch]))
        P /= sum_exp[:, None]  # P = softmax(Z)
        P[rows, y_batch] -= 1  # dZ = (P - onehot(y)) / B
        P /= len(idx)
        np.dot(A.T, P, out=dW2)  # dW2 = A^T dZ
        db2 = P.sum(axis=0)
        dA = np.dot(P, W2.T)  # dA = dZ W2^T
        dA *= H > 0  # dH = dA * 1[H > 0]
        np.dot(X_batch.T, dA, out=dW1)  # dW1 = X^T dH
        db1 = dA.sum(axis=0)
        for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            grad *= lr  # p <- p - lr * g, without a temporary
            param -= grad
    seconds = time.perf_counter() - start
    return seconds, loss_sum / math.ceil(n / batch_size)


def helpers_available() -> str | None:
    """None if helpers has what the benchmark trains with, else the reason it has not."""
    try:
        from helpers.layers import mlp  # noqa: F401
        from helpers.losses import SoftmaxCrossEntropy  # noqa: F401
        from helpers.optim import SGD  # noqa: F401
        from helpers.train import train  # noqa: F401
    except ImportError as exc:
        return f"helpers cannot train yet ({exc})"
    return None


def epoch_helpers(X: np.ndarray, y: np.ndarray, batch_size: int, lr: float = LR,
                  seed: int = 0) -> tuple[float, float]:
    """One epoch with helpers.train.train; returns (seconds, mean loss of the epoch)."""
    from helpers.layers import mlp
    from helpers.losses import SoftmaxCrossEntropy
    from helpers.optim import SGD
    from helpers.train import train

    model = mlp(list(SIZES), seed=seed)
    optimizer = SGD(model.parameters(), lr=lr)
    start = time.perf_counter()
    history = train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=batch_size,
                    num_epochs=1, seed=seed, progress=False)
    seconds = time.perf_counter() - start
    # random labels cannot be learnt: a full epoch ends "ok" or "stuck" (no better than a guess)
    if history.status not in ("ok", "stuck") or history.num_steps != math.ceil(len(X) / batch_size):
        raise RuntimeError(f"helpers.train did not run a full epoch: {history.message}")
    return seconds, history.epoch_loss[-1]


def torch_available() -> str | None:
    """None if torch can be imported, else the reason (the optional extra ``bench``)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed (optional: pip install -e '.[bench]')"
    return None


def set_torch_threads() -> str:
    """Give torch as many intra-op threads as numpy's BLAS has; return a note saying so."""
    import torch

    threads = blas_threads()
    source = "numpy's BLAS threads (threadpoolctl)"
    if threads is None:
        threads, source = os.cpu_count() or 1, "os.cpu_count(); threadpoolctl not installed"
    torch.set_num_threads(threads)
    return f"torch.set_num_threads({threads}): {source}"


def epoch_torch(X: np.ndarray, y: np.ndarray, batch_size: int, lr: float = LR,
                seed: int = 0) -> tuple[float, float]:
    """One epoch of the idiomatic PyTorch CPU loop; returns (seconds, mean loss of the epoch)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)  # shares memory: no copy
    generator = torch.Generator().manual_seed(seed)
    n = len(X)
    loss_sum = 0.0
    start = time.perf_counter()
    order = torch.randperm(n, generator=generator)
    for first in range(0, n, batch_size):
        idx = order[first:first + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(X_t[idx]), y_t[idx])
        loss.backward()
        optimizer.step()
        loss_sum += loss.item()
    seconds = time.perf_counter() - start
    return seconds, loss_sum / math.ceil(n / batch_size)


EPOCH_FUNCTIONS = {"helpers": epoch_helpers, "numpy": epoch_numpy, "torch": epoch_torch}


# ---- measurement ------------------------------------------------------------------------------

def available_implementations() -> tuple[list[str], list[str]]:
    """(implementations that can run here, notes on those that cannot)."""
    names, notes = [], []
    for name, reason in (("helpers", helpers_available()), ("numpy", None),
                         ("torch", torch_available())):
        if reason is None:
            names.append(name)
        else:
            notes.append(f"{LABELS[name]} not measured: {reason}.")
    return names, notes


def time_epochs(implementations, X, y, batch_sizes, repetitions: int) -> dict:
    """Seconds per epoch: {implementation: {batch_size: [seconds, ...]}}.

    Each implementation is first warmed up on a few hundred examples (imports, BLAS threads,
    torch's lazy initialisation). The repetitions interleave the implementations, with the
    order rotated each time, so that a change in the machine's load hits them all alike.
    """
    warm = min(len(X), 256)
    for name in implementations:
        for batch_size in (1, 64):
            EPOCH_FUNCTIONS[name](X[:warm], y[:warm], batch_size)
    times = {name: {b: [] for b in batch_sizes} for name in implementations}
    for rep in range(repetitions):
        order = list(implementations[rep % len(implementations):]) + list(
            implementations[:rep % len(implementations)])
        for batch_size in batch_sizes:
            for name in order:
                gc.collect()
                seconds, _ = EPOCH_FUNCTIONS[name](X, y, batch_size)
                times[name][batch_size].append(seconds)
    return times


def run(n_examples: int = 10_000, batch_sizes=BATCH_SIZES, repetitions: int = 5) -> Section:
    """Measure the training throughput and return it as a report section."""
    title = "1. Training throughput (one epoch, 784-128-10 MLP)"
    implementations, notes = available_implementations()
    if "torch" in implementations:
        notes.append(set_torch_threads() + ".")
    too_large = [b for b in batch_sizes if b > n_examples]
    batch_sizes = [b for b in batch_sizes if b <= n_examples]
    if too_large:
        notes.append(f"Batch sizes {too_large} not run: larger than the {n_examples} examples.")
    X, y = make_data(n_examples)
    times = time_epochs(implementations, X, y, batch_sizes, repetitions)
    medians = {name: {b: median(ts) for b, ts in per_b.items()} for name, per_b in times.items()}
    nan = {b: math.nan for b in batch_sizes}
    t_helpers, t_numpy = medians.get("helpers", nan), medians["numpy"]
    t_torch = medians.get("torch", nan)

    columns = ["batch size", "steps", "helpers", "bare numpy", "PyTorch (CPU)", "helpers / bare",
               "PyTorch / helpers", f"helpers ≤ {HELPERS_VS_BARE_TARGET}× bare",
               f"helpers ≥ {TORCH_SPEEDUP_TARGET:g}× faster than PyTorch"]
    rows = []
    for b in batch_sizes:
        vs_bare = t_helpers[b] / t_numpy[b]
        vs_torch = t_torch[b] / t_helpers[b]
        ok_bare = None if math.isnan(vs_bare) else vs_bare <= HELPERS_VS_BARE_TARGET
        if b not in TORCH_TARGET_BATCH_SIZES:
            torch_cell = "not a target"
        else:
            torch_cell = verdict(None if math.isnan(vs_torch) else vs_torch >= TORCH_SPEEDUP_TARGET)
        rows.append([str(b), str(math.ceil(n_examples / b)), fmt_seconds(t_helpers[b]),
                     fmt_seconds(t_numpy[b]), fmt_seconds(t_torch[b]), fmt_ratio(vs_bare),
                     fmt_ratio(vs_torch), verdict(ok_bare), torch_cell])
    notes += [
        f"Seconds per epoch of {n_examples:,} examples, median of {repetitions} repetition(s); "
        "the implementations are interleaved in each repetition.",
        "Data: float32 pixels uniform in [0, 1), labels 0..9, seed 0 (costs what MNIST costs). "
        f"Plain SGD, lr={LR}; the loss is read as a Python float every step in all three.",
        "helpers: mlp + SoftmaxCrossEntropy + SGD + train(progress=False), argument checks "
        "included; bare numpy: a hand-written loop (benchmarks/training.py, epoch_numpy).",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes,
                   data={"times": times, "medians": medians, "n_examples": n_examples,
                         "implementations": implementations})
