"""Notebook 04b: forward-mode differentiation, the honest "each weight's derivative on its own".

Forward mode pushes a *tangent* through the network next to the values: for a small change dθ
of the parameters, every layer computes its output Y and the change dY it causes,

    Linear:      Z = H W + b          dZ = dH W + H dW + db
    activation:  H' = act(Z)          dH' = act'(Z) ⊙ dZ
    loss:        L                    dL = Σ (∂L/∂Y) ⊙ dY   (written out per loss below)

(dual numbers: each value carries its derivative along). With dθ = one parameter set to 1 and
all others 0, dL is exactly ∂L/∂θ: no step size, no rounding error from differences. But one
pass gives one derivative, so the whole gradient takes P passes, one per parameter, each about
two forward passes of arithmetic (the layers below the parameter have a zero tangent and are
skipped). Backprop gets all P in one backward pass.

- ``jvp``                    values and tangent of a network's output for one tangent direction
- ``forward_mode_gradient``  the whole gradient, one pass per parameter, and its multiply-adds

Every matrix product goes through ``helpers.layers``' counter ``MULTIPLY_ADDS`` (the tangent
products as forward products), so the multiply-adds are counted while computing.
"""

from __future__ import annotations

import numpy as np

from ..layers import MULTIPLY_ADDS, Linear, ReLU, Sequential, Sigmoid, Tanh
from ..losses import MSELoss, SoftmaxCrossEntropy
from ..validate import check_array, check_int, check_ints

# act'(Z) from what each activation layer keeps after its forward pass
_SLOPE = {
    Sigmoid: lambda layer: layer.Y * (1 - layer.Y),
    Tanh: lambda layer: 1 - layer.Y * layer.Y,
    ReLU: lambda layer: layer.mask,
}


def _check_model(model) -> list:
    layers = model.layers if isinstance(model, Sequential) else [model]
    for layer in layers:
        if not isinstance(layer, Linear) and type(layer) not in _SLOPE:
            raise TypeError(f"model must be a Sequential of Linear, ReLU, Sigmoid and Tanh "
                            f"layers (e.g. mlp([4, 8, 3])); got {model!r}")
    return layers


def _product(A, B):
    """A @ B, counted in ``MULTIPLY_ADDS`` (A (m, k), B (k, n): m·k·n multiply-adds)."""
    MULTIPLY_ADDS.forward += A.shape[0] * A.shape[1] * B.shape[1]
    return A @ B


def jvp(model, X, tangents):
    """One forward pass with tangents: the output Y and its change dY.

    model: a Sequential of Linear, ReLU, Sigmoid, Tanh layers (or one Linear); X: (B, n_in);
    tangents: {parameter name as in model.params ("0.W", "2.b", ...): dθ of that parameter's
    shape}; parameters not named have a zero tangent. Returns (Y, dY), both (B, n_out);
    dY = Σ_θ ∂Y/∂θ · dθ.
    """
    layers = _check_model(model)
    X = check_array("X", X, ndim=2)
    names = set(model.params)
    if not isinstance(tangents, dict) or not set(tangents) <= names:
        raise ValueError(f"tangents must be a dict whose keys are parameter names of the model "
                         f"{sorted(names)}; got {tangents!r}")
    single = not isinstance(model, Sequential)
    H, dH = X, None  # the data has no tangent
    for i, layer in enumerate(layers):
        Z = layer.forward(H)  # the values (counted inside Linear)
        if isinstance(layer, Linear):
            dW = tangents.get("W" if single else f"{i}.W")
            db = tangents.get("b" if single else f"{i}.b")
            dZ = None if dH is None else _product(dH, layer.params["W"])  # dH W
            if dW is not None:
                HdW = _product(H, np.asarray(dW))  # + H dW
                dZ = HdW if dZ is None else dZ + HdW
            if db is not None:
                dZ = (np.zeros_like(Z) if dZ is None else dZ) + db  # + db
        else:
            dZ = None if dH is None else _SLOPE[type(layer)](layer) * dH  # act'(Z) ⊙ dZ
        H, dH = Z, dZ
    return H, (np.zeros_like(H) if dH is None else dH)


def _loss_tangent(loss_fn, Y, dY, y) -> float:
    """dL for the change dY of the network's output Y (B, k); y: the targets.

    loss_fn None: L = Y.sum(), the output itself for one example with one output unit.
    MSELoss:             L = mean((Y − y)²),  dL = mean(2 (Y − y) ⊙ dY)
    SoftmaxCrossEntropy: L = mean_i [log Σ_k e^Z_ik − Z_i,y_i],
                         dL = mean_i [Σ_k p_ik dZ_ik − dZ_i,y_i]
    """
    if loss_fn is None:
        return float(dY.sum())
    if isinstance(loss_fn, MSELoss):
        return float(np.mean(2 * (Y - y) * dY))
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        P = np.exp(Y - Y.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        rows = np.arange(len(Y))
        return float(np.mean((P * dY).sum(axis=1) - dY[rows, np.asarray(y)]))
    raise TypeError(f"loss_fn must be None, MSELoss() or SoftmaxCrossEntropy(); got {loss_fn!r}")


def forward_mode_gradient(model, X, y=None, loss_fn=None, *, max_entries=None):
    """∂L/∂θ for every parameter θ, one forward-mode pass per parameter entry.

    model, X: as in ``jvp``; loss_fn: None (L = the sum of the outputs), MSELoss() or
    SoftmaxCrossEntropy(), with targets y. max_entries: stop after that many entries (in the
    order of model.params; the rest stay 0), e.g. to time a few passes of a large model.
    Returns (grads, multiply_adds): grads has the keys and shapes of model.params;
    multiply_adds is what the passes did in matrix products.
    """
    _check_model(model)
    X = check_array("X", X, ndim=2)
    if loss_fn is not None and not isinstance(loss_fn, (MSELoss, SoftmaxCrossEntropy)):
        raise TypeError(f"loss_fn must be None, MSELoss() or SoftmaxCrossEntropy(); "
                        f"got {loss_fn!r}")
    if loss_fn is not None and y is None:
        raise ValueError(f"y must be the targets for {loss_fn!r}; got None")
    budget = None if max_entries is None else check_int("max_entries", max_entries, low=1)
    start = MULTIPLY_ADDS.total
    grads, done = {}, 0
    for name, param in model.params.items():
        grad = np.zeros(param.shape)
        tangent = np.zeros_like(param)
        for index in np.ndindex(param.shape):  # one pass per entry: dθ = 1 there, 0 elsewhere
            if budget is not None and done == budget:
                break
            done += 1
            tangent[index] = 1
            Y, dY = jvp(model, X, {name: tangent})
            grad[index] = _loss_tangent(loss_fn, Y, dY, y)
            tangent[index] = 0
        grads[name] = grad
    return grads, MULTIPLY_ADDS.total - start


def count_forward_mode(sizes, batch_size: int = 1) -> int:
    """The formula for ``forward_mode_gradient``'s multiply-adds on an MLP with widths ``sizes``.

    With F_j = B·n_in·n_out for Linear layer j and F = Σ_j F_j (one forward pass), the pass for
    a weight of layer j costs F (values) + F_j (H dW) + Σ_{k>j} F_k (dH W above it), the pass for
    a bias F + Σ_{k>j} F_k; summed over all n_in·n_out weights and n_out biases of every layer.
    """
    sizes = check_ints("sizes", sizes, low=1)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layer widths, e.g. [784, 128, 10]; "
                         f"got {sizes!r}")
    batch_size = check_int("batch_size", batch_size, low=1)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    costs = [batch_size * n_in * n_out for n_in, n_out in shapes]
    forward = sum(costs)
    total = 0
    for j, (n_in, n_out) in enumerate(shapes):
        above = sum(costs[j + 1:])
        total += n_in * n_out * (forward + costs[j] + above) + n_out * (forward + above)
    return total
