"""The sharpness of a network's loss: Hessian-vector products and power iteration.

The Hessian H of the loss with respect to all the weights has as many rows as there are weights
(tens of thousands), far too many to build. Its largest eigenvalue, the **sharpness**, is what
decides whether gradient descent with learning rate lr is stable (lr < 2 / sharpness, the rule of
notebooks 01 and 02). Power iteration needs only products H v:

- ``hvp``: H v exactly, by a second forward and backward pass (Pearlmutter's R-operator:
  differentiate every line of the forward and backward pass in the direction v);
- ``hvp_from_gradients``: the same from two ordinary gradients, (g(w + eps v) - g(w - eps v)) /
  (2 eps), a check with an error of order eps^2;
- ``sharpness``: power iteration v <- H v / ||H v||, whose Rayleigh quotient v·Hv tends to the
  eigenvalue of largest size.

A "vector" here is a list of arrays shaped like ``model.parameters()`` (W0, b0, W1, b1, ...).
Works for a ``Sequential`` of Linear layers with ReLU, Tanh or Sigmoid between them, and the
losses ``SoftmaxCrossEntropy`` and ``MSELoss``. Use float64 models: the products are small
differences of large numbers.
"""

from __future__ import annotations

import numpy as np

from helpers.batches import as_rng
from helpers.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.validate import (
    check_array,
    check_int,
    check_labels,
    check_lr,
    check_positive_number,
    check_same_length,
    check_seed,
)


def _slopes(layer, z):
    """sigma'(z) and sigma''(z) of an activation layer, elementwise (B, n) each."""
    if isinstance(layer, ReLU):
        return (z > 0).astype(z.dtype), np.zeros_like(z)
    if isinstance(layer, Tanh):
        a = np.tanh(z)
        return 1 - a * a, -2 * a * (1 - a * a)
    if isinstance(layer, Sigmoid):
        with np.errstate(over="ignore"):
            s = 1 / (1 + np.exp(-z))
        return s * (1 - s), s * (1 - s) * (1 - 2 * s)
    raise TypeError(f"model must hold Linear, ReLU, Tanh or Sigmoid layers; got {layer!r}")


def _unpack(model):
    """[(W, b, activation layer or None), ...] for each Linear layer, first to last."""
    layers = list(model.layers)
    if len(layers) % 2 == 0 or any(isinstance(layer, Linear) != (i % 2 == 0)
                                   for i, layer in enumerate(layers)):
        raise TypeError(f"model must alternate Linear layers and activations, starting and "
                        f"ending with a Linear layer (as mlp() builds it); got {model!r}")
    return [(layer.params["W"], layer.params["b"], layers[i + 1] if i + 1 < len(layers) else None)
            for i, layer in enumerate(layers) if i % 2 == 0]


def _check_problem(model, loss_fn, X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check a model, its loss and the data (X, y) once, at an entry point; returns X and y."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential network, e.g. mlp([4, 8, 3], "
                        f"dtype=np.float64); got {model!r:.80} ({type(model).__name__})")
    blocks = _unpack(model)
    for _, _, act in blocks[:-1]:
        _slopes(act, np.zeros((1, 1)))  # a TypeError naming model for any other layer
    if not isinstance(loss_fn, (SoftmaxCrossEntropy, MSELoss)):
        raise TypeError(f"loss_fn must be SoftmaxCrossEntropy() or MSELoss(); got {loss_fn!r}")
    X = check_array("X", X, ndim=2)
    n_in, n_out = blocks[0][0].shape[0], blocks[-1][0].shape[1]
    if X.shape[1] != n_in:
        raise ValueError(f"X must have {n_in} columns (the model's inputs); got shape {X.shape}")
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        y = check_labels("y", y, n_classes=n_out)
    else:
        y = check_array("y", y, ndim=2)
        if y.shape[1] != n_out:
            raise ValueError(f"y must have {n_out} columns (the model's outputs) for MSELoss; "
                             f"got shape {y.shape}")
    check_same_length(X, y)
    return X, y


def _check_vector(name: str, v, model, *, nonzero: bool = False) -> list[np.ndarray]:
    """A direction: a list of finite arrays shaped like ``model.parameters()``."""
    shapes = [p.shape for p, _ in model.parameters()]
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"{name} must be a list of arrays shaped like model.parameters() "
                        f"{shapes}; got {v!r:.80}")
    arrays = [check_array(f"{name}[{i}]", a) for i, a in enumerate(v)]
    if [a.shape for a in arrays] != shapes:
        raise ValueError(f"{name} must hold arrays shaped like model.parameters() {shapes}; got "
                         f"shapes {[a.shape for a in arrays]}")
    if nonzero and not any(np.any(a) for a in arrays):
        raise ValueError(f"{name} must not be all zeros (it is a direction to normalise)")
    return arrays


def loss_grad_hvp(model, loss_fn, X, y, v) -> tuple[float, list, list]:
    """The loss, its gradient and the Hessian-vector product H v, in one pass.

    X (B, n_in), y labels (B,) or targets (B, n_out); v: list of arrays shaped like the
    parameters. Returns (loss, [dW0, db0, ...], [(Hv)_W0, (Hv)_b0, ...]). The R-operator R(.)
    is the derivative of a quantity in the direction v; the comments pair each line with it.
    """
    X, y = _check_problem(model, loss_fn, X, y)
    return _loss_grad_hvp(model, loss_fn, X, y, _check_vector("v", v, model))


def _loss_grad_hvp(model, loss_fn, X, y, v) -> tuple[float, list, list]:
    blocks = _unpack(model)
    vs = [(v[2 * k], v[2 * k + 1]) for k in range(len(blocks))]
    a, Ra = X, np.zeros_like(X)
    saved = []  # per block: input a, R(a), pre-activation z, R(z)
    for (W, b, act), (VW, Vb) in zip(blocks, vs):
        z = a @ W + b  # z = a W + b
        Rz = Ra @ W + a @ VW + Vb  # R(z) = R(a) W + a V_W + V_b
        saved.append((a, Ra, z, Rz))
        if act is not None:
            d1, _ = _slopes(act, z)
            a, Ra = _activate(act, z), d1 * Rz  # R(a) = sigma'(z) R(z)
    z, Rz = saved[-1][2], saved[-1][3]
    loss, delta, Rdelta = _loss_and_r(loss_fn, z, Rz, y)
    grads, hv = [], []
    for k in reversed(range(len(blocks))):
        W, _, _ = blocks[k]
        VW = vs[k][0]
        a, Ra, _, _ = saved[k]
        grads[:0] = [a.T @ delta, delta.sum(axis=0)]  # dW = a^T delta, db = sum delta
        hv[:0] = [Ra.T @ delta + a.T @ Rdelta, Rdelta.sum(axis=0)]  # R(dW), R(db)
        if k == 0:
            break
        dA = delta @ W.T  # dL/da = delta W^T
        RdA = Rdelta @ W.T + delta @ VW.T  # R(dL/da) = R(delta) W^T + delta V_W^T
        act = blocks[k - 1][2]
        z_prev, Rz_prev = saved[k - 1][2], saved[k - 1][3]
        d1, d2 = _slopes(act, z_prev)
        delta = dA * d1  # delta = dL/da * sigma'(z)
        Rdelta = RdA * d1 + dA * d2 * Rz_prev  # R(delta) = R(dA) sigma' + dA sigma'' R(z)
    return loss, grads, hv


def _activate(layer, z):
    if isinstance(layer, ReLU):
        return np.maximum(z, 0)
    if isinstance(layer, Tanh):
        return np.tanh(z)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def _loss_and_r(loss_fn, z, Rz, y):
    """Loss, delta = dL/dz and R(delta) for the network's output z (B, k)."""
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        loss = loss_fn.forward(z, y)
        p = loss_fn.probs
        delta = loss_fn.backward()  # (p - onehot(y)) / B
        Rp = p * (Rz - np.sum(p * Rz, axis=1, keepdims=True))  # R(softmax) = p (Rz - p.Rz)
        return loss, delta, Rp / len(z)
    if isinstance(loss_fn, MSELoss):
        loss = loss_fn.forward(z, y)
        return loss, loss_fn.backward(), Rz * (2 / z.size)  # delta = 2 (z - y) / size
    raise TypeError(f"loss_fn must be SoftmaxCrossEntropy() or MSELoss(); got {loss_fn!r}")


def hvp(model, loss_fn, X, y, v) -> list[np.ndarray]:
    """H v, exactly (up to rounding): a list of arrays shaped like the parameters."""
    return loss_grad_hvp(model, loss_fn, X, y, v)[2]  # checks every argument


def loss_and_grad(model, loss_fn, X, y) -> tuple[float, list[np.ndarray]]:
    """The loss on (X, y) and its gradient, as a list shaped like the parameters."""
    X, y = _check_problem(model, loss_fn, X, y)
    return _loss_and_grad(model, loss_fn, X, y)


def _loss_and_grad(model, loss_fn, X, y) -> tuple[float, list[np.ndarray]]:
    loss = loss_fn.forward(model.forward(X), y)
    model.backward(loss_fn.backward())
    return loss, [g.copy() for _, g in model.parameters()]


def hvp_from_gradients(model, loss_fn, X, y, v, eps: float = 1e-4) -> list[np.ndarray]:
    """H v from two gradients: (g(w + eps v) - g(w - eps v)) / (2 eps); error of order eps^2.

    The weights are moved and put back (in a try/finally, so they are restored on any error).
    """
    X, y = _check_problem(model, loss_fn, X, y)
    v = _check_vector("v", v, model)
    eps = check_positive_number("eps", eps)
    params = [p for p, _ in model.parameters()]
    saved = [p.copy() for p in params]
    try:
        for p, d in zip(params, v):
            p += eps * d
        _, g_plus = _loss_and_grad(model, loss_fn, X, y)
        for p, w, d in zip(params, saved, v):
            p[...] = w - eps * d
        _, g_minus = _loss_and_grad(model, loss_fn, X, y)
    finally:
        for p, w in zip(params, saved):
            p[...] = w
    return [(gp - gm) / (2 * eps) for gp, gm in zip(g_plus, g_minus)]


def dot(u, v) -> float:
    """The dot product of two parameter-shaped vectors (lists of arrays)."""
    for name, vector in (("u", u), ("v", v)):
        if not isinstance(vector, (list, tuple)):
            raise TypeError(f"{name} must be a list of arrays (shaped like model.parameters()); "
                            f"got {vector!r:.80}")
        for i, a in enumerate(vector):
            check_array(f"{name}[{i}]", a)
    if [np.shape(a) for a in u] != [np.shape(b) for b in v]:
        raise ValueError(f"u and v must hold arrays of the same shapes; got u: "
                         f"{[np.shape(a) for a in u]}, v: {[np.shape(b) for b in v]}")
    return _dot(u, v)


def _dot(u, v) -> float:
    return float(sum(np.vdot(a, b) for a, b in zip(u, v)))


def random_direction(model, rng=0) -> list[np.ndarray]:
    """A random unit vector shaped like the parameters (rng: Generator or integer seed)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential network, e.g. mlp([4, 8, 3], "
                        f"dtype=np.float64); got {model!r:.80} ({type(model).__name__})")
    rng = as_rng(rng)
    v = [rng.standard_normal(p.shape) for p, _ in model.parameters()]
    norm = np.sqrt(_dot(v, v))
    return [a / norm for a in v]


def sharpness(model, loss_fn, X, y, *, num_iters: int = 20, v=None, rng=0):
    """The largest eigenvalue of the Hessian of the loss on (X, y), by power iteration.

    num_iters: Hessian-vector products to use; v: a starting vector (e.g. the one returned by
    the previous call, to follow the sharpness along a run with few iterations).
    Returns (eigenvalue, unit eigenvector estimate). Power iteration finds the eigenvalue of
    largest SIZE; along a training run that is the largest positive one.
    """
    X, y = _check_problem(model, loss_fn, X, y)
    num_iters = check_int("num_iters", num_iters, low=1)
    v = random_direction(model, rng) if v is None else _check_vector("v", v, model, nonzero=True)
    return _sharpness(model, loss_fn, X, y, num_iters, v)


def _sharpness(model, loss_fn, X, y, num_iters, v):
    norm = np.sqrt(_dot(v, v))
    v = [a / norm for a in v]
    eigenvalue = 0.0
    for _ in range(num_iters):
        hv = _loss_grad_hvp(model, loss_fn, X, y, v)[2]
        eigenvalue = _dot(v, hv)  # the Rayleigh quotient v.Hv (||v|| = 1)
        norm = np.sqrt(_dot(hv, hv))
        if norm == 0:
            break
        v = [a / norm for a in hv]
    return eigenvalue, v


def gd_with_sharpness(model, loss_fn, X, y, lr: float, num_steps: int, *, every: int = 10,
                      num_iters: int = 4, seed: int = 0) -> dict:
    """Full-batch gradient descent on (X, y), measuring the sharpness every ``every`` steps.

    Each measurement starts power iteration from the previous eigenvector, so ``num_iters``
    products suffice (20 for the first). Returns {"loss": (num_steps + 1,) the loss before each
    step and after the last, "sharpness_steps": (m,), "sharpness": (m,), "lr": lr}.
    """
    from helpers.timing import one_blas_thread

    X, y = _check_problem(model, loss_fn, X, y)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=1)
    every = check_int("every", every, low=1)
    num_iters = check_int("num_iters", num_iters, low=1)
    seed = check_seed(seed)
    with one_blas_thread():
        return _gd_with_sharpness(model, loss_fn, X, y, lr, num_steps, every, num_iters, seed)


def _gd_with_sharpness(model, loss_fn, X, y, lr, num_steps, every, num_iters, seed) -> dict:
    params = [p for p, _ in model.parameters()]
    losses, steps, values, v = [], [], [], None
    for t in range(num_steps + 1):
        if t % every == 0:
            v = random_direction(model, seed) if v is None else v
            value, v = _sharpness(model, loss_fn, X, y, 20 if not steps else num_iters, v)
            steps.append(t)
            values.append(value)
        loss, grads = _loss_and_grad(model, loss_fn, X, y)
        losses.append(loss)
        if t < num_steps:
            for p, g in zip(params, grads):
                p -= lr * g  # w <- w - lr dL/dw
    return {"loss": np.array(losses), "sharpness_steps": np.array(steps),
            "sharpness": np.array(values), "lr": lr}
