"""Notebook 04b: what one gradient costs: backprop, finite differences, and the sum over paths.

Three ways to get the gradient of a network's output with respect to its weights:

- **backprop**: one forward pass (caching what each layer needs) and one backward pass; each
  ``Linear`` layer's backward does two matrix products the size of its forward one
  (dW = Xᵀ dY and dX = dY Wᵀ), so the whole gradient costs about 3 forward passes;
- **finite differences**: nudge each of the P parameters up and down, 2 forward passes each:
  2P forward passes, so the cost grows with P², not exponentially;
- **forward mode**: push a tangent through the network next to the values, one pass per
  parameter (``helpers.lab.forward_mode``): exact like backprop, P passes like finite differences;
- **the sum over paths**: write each derivative with the chain rule expanded, as a sum over every
  path from the weight to the output. A network of depth L and width w has w^L such paths for
  its first layer alone: this, and only this, is the method whose cost grows exponentially
  with depth.

``count_multiply_adds`` and ``cost_counts`` are the formulas; ``counted_gradients`` runs all four
methods and counts what they really do (the counter inside ``Linear``, ``helpers.layers.
MULTIPLY_ADDS``; ``path_sum_gradient`` counts its own multiplications), so that the formulas are
checked against counts, not assumed;
``time_gradient`` measures seconds; ``helpers.figures.backprop_cost`` draws them.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..gradcheck import numerical_grad
from ..layers import MULTIPLY_ADDS, Linear, Sequential, Sigmoid, Tanh, mlp
from ..losses import SoftmaxCrossEntropy
from ..timing import one_blas_thread, seconds
from ..validate import check_int, check_ints, check_point, check_seed
from .forward_mode import count_forward_mode, forward_mode_gradient

# local derivative of each activation, from its output h = act(z)
_ACTIVATION_DERIVATIVE = {Tanh: lambda h: 1 - h * h, Sigmoid: lambda h: h * (1 - h)}


def num_params(sizes) -> int:
    """Parameters of an MLP with layer widths ``sizes``: Σ (n_in + 1)·n_out (weights + biases)."""
    sizes = _check_sizes(sizes)
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


def count_multiply_adds(sizes, batch_size: int = 1) -> dict:
    """Multiply-adds in the matrix products of one gradient of an MLP (activations not counted).

    sizes: layer widths [n_in, ..., n_out]. Returns {"params", "forward", "backward",
    "backprop" (forward + backward), "finite_differences" (2 forward passes per parameter),
    "forward_mode" (one tangent pass per parameter, ``count_forward_mode``)}.
    """
    batch_size = check_int("batch_size", batch_size, low=1)
    sizes = _check_sizes(sizes)
    forward = sum(batch_size * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    backward = 2 * forward  # per Linear layer: dW = Xᵀ dY and dX = dY Wᵀ, each as big as X W
    params = num_params(sizes)
    return {"params": params, "forward": forward, "backward": backward,
            "backprop": forward + backward, "finite_differences": 2 * params * forward,
            "forward_mode": count_forward_mode(sizes, batch_size)}


def _check_sizes(sizes) -> list[int]:
    """Layer widths [n_in, ..., n_out]: at least two integers >= 1."""
    sizes = check_ints("sizes", sizes, low=1)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layer widths, e.g. [784, 128, 10]; "
                         f"got {sizes!r}")
    return sizes


def cost_counts(width: int, depth: int) -> dict:
    """The counts for a deep MLP [w, w, ..., w, 1] with ``depth`` Linear layers, one example.

    Adds to ``count_multiply_adds``: "paths" = w^depth paths from the first layer's weights to
    the output, and "path_sum" = the multiplications of summing over them, 2·depth − 2 per path
    (what ``path_sum_gradient`` does). Python ints: exact even for w^20.
    """
    width = check_int("width", width, low=1)
    depth = check_int("depth", depth, low=2)
    counts = count_multiply_adds([width] * depth + [1])
    paths = width**depth
    counts.update(paths=paths, path_sum=paths * (2 * depth - 2))
    return counts


def deep_model(width: int, depth: int, *, activation: str = "tanh", seed: int = 0):
    """The MLP [w, ..., w, 1] of ``cost_counts``, in float64 (``helpers.layers.mlp``)."""
    width = check_int("width", width, low=1)
    depth = check_int("depth", depth, low=1)
    return mlp([width] * depth + [1], activation, seed=seed, dtype=np.float64)


def path_sum_gradient(model, x):
    """d(output)/d(first-layer W) by summing the chain rule over every path; and its cost.

    model: a Sequential of Linear layers with Tanh or Sigmoid between them, ending in one
    output unit; x: one example, shape (n_in,). For the weight W¹[i, j] the derivative is
        x_i · σ'(z¹_j) · Σ over k₂, k₃, … of W²[j, k₂] σ'(z²_k₂) W³[k₂, k₃] ⋯ Wᴸ[k_{L−1}, 0],
    one product of 2L − 1 factors (2L − 2 multiplications) per path, x_i included. Each path is
    multiplied out
    on its own: nothing is shared between paths, which is what makes the method exponential.
    Returns (grad of shape W¹.shape, number of multiplications done).
    """
    _check_deep_model(model)
    x = check_point("x", x, dim=model.layers[0].n_in)
    linears, activations = model.layers[0::2], model.layers[1::2]
    if (not all(isinstance(layer, Linear) for layer in linears)
            or not all(type(layer) in _ACTIVATION_DERIVATIVE for layer in activations)
            or linears[-1].n_out != 1):
        raise ValueError("model must alternate Linear and Tanh/Sigmoid layers and end in one "
                         f"Linear output unit; got {model!r}")
    derivs = [_ACTIVATION_DERIVATIVE[type(layer)] for layer in activations]
    # forward pass, keeping σ'(z) of every hidden layer (the local derivatives on the paths)
    h, slopes = np.asarray(x, dtype=float)[None, :], []
    for linear, layer, deriv in zip(linears[:-1], activations, derivs):
        h = layer.forward(linear.forward(h))
        slopes.append(deriv(h)[0])
    n_in, width = linears[0].params["W"].shape
    hidden = [len(s) for s in slopes]
    # every path: input i, then one unit in each hidden layer, then the output unit
    paths = np.array(list(itertools.product(range(n_in), *[range(n) for n in hidden])))
    factors = [np.asarray(x, dtype=float)[paths[:, 0]]]  # x_i
    for layer in range(len(hidden)):
        unit = paths[:, layer + 1]
        factors.append(slopes[layer][unit])  # σ'(z) at this unit
        following = linears[layer + 1].params["W"]
        next_unit = paths[:, layer + 2] if layer + 2 < paths.shape[1] else np.zeros_like(unit)
        factors.append(following[unit, next_unit])  # the weight leaving it
    factors = np.stack(factors, axis=1)  # (num_paths, 2L − 1)
    products = np.prod(factors, axis=1)  # 2L − 2 multiplications per path ...
    grad = np.zeros((n_in, width))
    np.add.at(grad, (paths[:, 0], paths[:, 1]), products)  # ... then summed per weight
    return grad, len(paths) * (factors.shape[1] - 1)


def backprop_first_layer_grad(model, x):
    """d(output)/d(first-layer W) by backprop: forward, then backward with dL/d(output) = 1."""
    _check_deep_model(model)
    x = check_point("x", x, dim=model.layers[0].n_in)
    out = model.forward(np.asarray(x, dtype=float)[None, :])
    model.backward(np.ones_like(out))
    return model.layers[0].grads["W"].copy()


def counted_gradients(width: int, depth: int, x, *, seed: int = 0) -> dict:
    """Compute d(output)/d(parameters) of ``deep_model(width, depth)`` four ways, counting each.

    x: one example, shape (width,). Backprop, finite differences (central, every parameter) and
    forward mode (one tangent pass per parameter) are counted by the counter inside ``Linear``
    (``helpers.layers.MULTIPLY_ADDS``: every multiply-add of every matrix product they do); the
    sum over paths counts its own multiplications. Returns {"counted": {method: number},
    "grads": {method: d(output)/d(first-layer W)}} for the methods "path_sum",
    "finite_differences", "forward_mode" and "backprop".
    """
    model = deep_model(width, depth, seed=seed)
    x = check_point("x", x, dim=width)
    X = x[None, :]
    counted, grads = {}, {}
    start = MULTIPLY_ADDS.total
    grads["backprop"] = backprop_first_layer_grad(model, x)
    counted["backprop"] = MULTIPLY_ADDS.total - start
    start = MULTIPLY_ADDS.total
    by_differences = {name: numerical_grad(lambda _: float(model.forward(X).sum()), param)
                      for name, param in model.params.items()}  # 2 forward passes per entry
    counted["finite_differences"] = MULTIPLY_ADDS.total - start
    grads["finite_differences"] = by_differences["0.W"]
    by_tangents, counted["forward_mode"] = forward_mode_gradient(model, X)
    grads["forward_mode"] = by_tangents["0.W"]
    grads["path_sum"], counted["path_sum"] = path_sum_gradient(model, x)
    return {"counted": counted, "grads": grads}


def _check_deep_model(model) -> None:
    if not isinstance(model, Sequential) or not isinstance(model.layers[0], Linear):
        raise TypeError(f"model must be a network such as deep_model(4, 3); got {model!r}")


def _best_seconds(fn, repeats):
    """The fastest of ``repeats`` runs: the one least slowed down by other work on the machine."""
    return float(np.min(seconds(fn, repeats)))


def time_gradient(sizes, *, batch_size=64, repeats=7, fd_max_entries=2000, fd_runs=5, seed=0):
    """Seconds for one forward pass and one gradient by backprop, finite differences, forward mode.

    sizes: MLP widths (ReLU, float64, softmax cross-entropy on random data, ``batch_size`` rows).
    Forward and backprop: the fastest of ``repeats`` runs. Finite differences nudge parameter
    entries (``helpers.gradcheck.numerical_grad``) and forward mode does one tangent pass per
    entry; each is run ``fd_runs`` times on the same ``fd_max_entries // fd_runs`` entries (all P
    when fewer), and the fastest run is scaled up to all P ("fd_measured" False when scaled).
    So all four times are the least disturbed by other work on the machine, and comparable.
    Returns {"params", "forward", "backprop", "finite_differences", "forward_mode"} in seconds,
    "fd_measured" and "fd_entries" (how many entries one timed run did).
    """
    sizes = _check_sizes(sizes)
    batch_size = check_int("batch_size", batch_size, low=1)
    repeats = check_int("repeats", repeats, low=1)
    fd_max_entries = check_int("fd_max_entries", fd_max_entries, low=1)
    fd_runs = check_int("fd_runs", fd_runs, low=1)
    rng = np.random.default_rng(check_seed(seed))
    model = mlp(sizes, "relu", seed=seed, dtype=np.float64)
    loss_fn = SoftmaxCrossEntropy()
    X = rng.standard_normal((batch_size, sizes[0]))
    y = rng.integers(0, sizes[-1], size=batch_size)

    def forward():
        return loss_fn.forward(model.forward(X), y)

    def backprop():
        forward()
        model.backward(loss_fn.backward())

    def tangent_passes(max_entries):
        forward_mode_gradient(model, X, y, loss_fn, max_entries=max_entries)

    def differences(max_entries):
        done = 0
        for param in model.params.values():  # nudge the entries of each array in turn
            take = min(param.size, max_entries - done)
            if take <= 0:
                break
            # numerical_grad on a view of the first `take` entries: 2 forward passes per entry
            numerical_grad(lambda _: forward(), param.reshape(-1)[:take])
            done += take

    params = sum(param.size for param in model.params.values())
    entries = min(params, max(1, fd_max_entries // fd_runs))
    with one_blas_thread():
        return {"params": params, "forward": _best_seconds(forward, repeats),
                "backprop": _best_seconds(backprop, repeats),
                "finite_differences": _best_seconds(lambda: differences(entries), fd_runs)
                * params / entries,
                "forward_mode": _best_seconds(lambda: tangent_passes(entries), fd_runs)
                * params / entries,
                "fd_measured": entries == params, "fd_entries": entries}

