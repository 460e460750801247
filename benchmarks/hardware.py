"""Hardware efficiency: GFLOP/s of training at batch size 256 against the machine's matmul peak.

The peak is measured, not looked up: the best of several large float32 ``np.matmul`` calls
(2048 x 2048 by default, 2 n^3 FLOPs each) with numpy's BLAS and its default threads. The
achieved rate counts only the matmul FLOPs of training (see
``training.matmul_flops_per_example``); the elementwise work (ReLU, softmax, updates) is real
work too but is not counted, as usual.

The last row, "matmuls alone", times just the five matrix products of every training step with
the same shapes and nothing else: the ceiling that BLAS itself reaches on these small shapes.
"""

from __future__ import annotations

import gc
import math
import time

import numpy as np

from . import training
from .report import Section, fmt_seconds, median, verdict

EFFICIENCY_TARGET = 0.40
BATCH_SIZE = 256


def matmul_peak(n: int = 2048, repetitions: int = 7) -> dict:
    """Best float32 matmul rate: {"gflops": best GFLOP/s, "n": n, "seconds": best time}."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n), dtype=np.float32)
    B = rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(A, B, out=out)  # warm-up: threads started, pages touched
    best = math.inf
    for _ in range(repetitions):
        start = time.perf_counter()
        np.matmul(A, B, out=out)
        best = min(best, time.perf_counter() - start)
    return {"gflops": 2 * n**3 / best / 1e9, "n": n, "seconds": best}


def time_matmuls_alone(n_examples: int, batch_size: int = BATCH_SIZE) -> float:
    """Seconds for the matmuls of one epoch alone (same shapes as training, no other work)."""
    X, _ = training.make_data(n_examples)
    W1, _, W2, _ = training.init_params()
    dZ_full = np.random.default_rng(1).random((batch_size, W2.shape[1]), dtype=np.float32)
    start = time.perf_counter()
    for first in range(0, n_examples, batch_size):
        X_batch = X[first:first + batch_size]
        dZ = dZ_full[:len(X_batch)]
        H = X_batch @ W1  # forward, layer 1
        H @ W2  # forward, layer 2
        H.T @ dZ  # dW2 = A^T dZ
        dA = dZ @ W2.T  # dA = dZ W2^T
        X_batch.T @ dA  # dW1 = X^T dH
    return time.perf_counter() - start


def run(n_examples: int = 10_000, repetitions: int = 5, training_section: Section | None = None,
        peak_n: int = 2048) -> Section:
    """Measure the efficiency at batch size 256, reusing the training section's times if given."""
    title = f"2. Hardware efficiency (training at batch size {BATCH_SIZE})"
    notes = []
    earlier = training_section.data.get("times", {}) if training_section else {}
    if earlier and all(BATCH_SIZE in per_b for per_b in earlier.values()):
        times = {name: per_b[BATCH_SIZE] for name, per_b in earlier.items()}
        n_examples = training_section.data["n_examples"]
        notes.append("Training times are those of section 1.")
    else:
        n_examples = max(n_examples, BATCH_SIZE)  # at least one full batch
        implementations, notes = training.available_implementations()
        if "torch" in implementations:
            notes.append(training.set_torch_threads() + ".")
        X, y = training.make_data(n_examples)
        measured = training.time_epochs(implementations, X, y, [BATCH_SIZE], repetitions)
        times = {name: per_b[BATCH_SIZE] for name, per_b in measured.items()}
    matmul_times = []
    for _ in range(max(repetitions, 3)):
        gc.collect()
        matmul_times.append(time_matmuls_alone(n_examples))
    times["matmuls alone"] = matmul_times

    peak = matmul_peak(peak_n, repetitions=max(repetitions, 5))
    flops = training.matmul_flops_per_example()
    columns = ["implementation", "seconds per epoch", "GFLOP/s", "fraction of peak",
               f"≥ {EFFICIENCY_TARGET:.0%} of peak", "fraction of peak (3× forward convention)"]
    rows, data = [], {"peak": peak, "flops_per_example": flops, "efficiency": {}}
    labels = {**training.LABELS, "matmuls alone": "matmuls alone (ceiling)"}
    for name, ts in times.items():
        seconds = median(ts)
        gflops = flops["total"] * n_examples / seconds / 1e9
        fraction = gflops / peak["gflops"]
        fraction_3x = flops["convention_3x"] * n_examples / seconds / 1e9 / peak["gflops"]
        data["efficiency"][name] = fraction
        target = verdict(fraction >= EFFICIENCY_TARGET) if name != "matmuls alone" else "-"
        rows.append([labels[name], fmt_seconds(seconds), f"{gflops:.1f}", f"{fraction:.0%}",
                     target, f"{fraction_3x:.0%}"])
    notes += [
        f"Peak: float32 np.matmul {peak['n']}×{peak['n']}, best of several runs: "
        f"{peak['gflops']:.1f} GFLOP/s ({fmt_seconds(peak['seconds'])} for 2n³ FLOPs).",
        f"FLOPs counted per example: forward 2·(784·128 + 128·10) = {flops['forward']:,}; "
        f"backward 2·(784·128 + 2·128·10) = {flops['backward']:,} (dW1, dW2 and dA; nobody "
        f"computes the gradient of the pixels); total {flops['total']:,}, "
        f"so {flops['total'] * n_examples / 1e9:.2f} GFLOP per epoch of {n_examples:,}.",
        f"The '3× forward' rule of thumb ({flops['convention_3x']:,} per example) also counts "
        "that unneeded gradient and overstates the rate by "
        f"{flops['convention_3x'] / flops['total']:.2f}×; shown in the last column only.",
        "matmuls alone: the five products of each step (X W1, A W2, A^T dZ, dZ W2^T, X^T dH) "
        "with the same shapes and nothing else, i.e. what BLAS reaches on these small shapes.",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes, data=data)
