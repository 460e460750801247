"""Layers of a neural network, each with its forward pass and, beside it, its backward pass.

Rows are examples: a batch ``X`` has shape ``(B, n_features)`` and a ``Linear`` layer computes
``Y = X @ W + b``. ``forward(X)`` keeps what the backward pass needs; ``backward(dY)`` takes
dL/dY (the shape of Y), writes dL/dparameter into ``grads`` and returns dL/dX.

Written for reading (notebook 05 derives every line); it never loops over examples. Left out on
purpose: convolutions, batch normalisation, automatic differentiation. One difference from
PyTorch: ``backward`` *overwrites* ``grads`` instead of adding to them, so nothing needs
resetting between steps (``zero_grad`` exists for symmetry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpers.kit.checks import check_choice, check_fraction, check_int, check_positive, check_rng

# ---- the activation table: each function beside its first and second derivative ----------------
# df and d2f receive both the input x and the output y = f(x), so each can use the cheaper one.

@dataclass(frozen=True)
class ActivationFn:
    name: str
    f: Callable  # y = f(x)
    df: Callable  # f'(x), from x and y
    d2f: Callable  # f''(x), from x and y (Hessian-vector products need it)


def _sigmoid(x):
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -88: 1/(1 + inf) = 0
        return 1 / (1 + np.exp(-x))


ACTIVATIONS = {
    "relu": ActivationFn("relu", lambda x: np.maximum(x, 0),
                         lambda x, y: x > 0,  # 1 where x > 0, else 0
                         lambda x, y: np.zeros_like(x)),
    "sigmoid": ActivationFn("sigmoid", _sigmoid,
                            lambda x, y: y * (1 - y),  # σ' = σ(1 − σ)
                            lambda x, y: y * (1 - y) * (1 - 2 * y)),  # σ'' = σ'(1 − 2σ)
    "tanh": ActivationFn("tanh", np.tanh,
                         lambda x, y: 1 - y * y,  # tanh' = 1 − tanh²
                         lambda x, y: -2 * y * (1 - y * y)),  # tanh'' = −2 tanh · tanh'
}


class Layer:
    """Base class: ``params`` and ``grads`` are dicts with the same keys and shapes.

    ``training`` is True until ``eval()``; only ``Dropout`` behaves differently in the two modes.
    """

    training = True

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, X):
        raise NotImplementedError

    def backward(self, dY):
        raise NotImplementedError

    def __call__(self, X):
        return self.forward(X)

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (parameter, gradient) pairs an optimizer updates: the layer's own arrays."""
        return [(self.params[name], self.grads[name]) for name in self.params]

    def zero_grad(self) -> None:
        for grad in self.grads.values():
            grad.fill(0)

    def train(self, mode: bool = True):
        """Training mode (``mode=False``: evaluation mode); returns the layer, as in PyTorch."""
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Fully connected layer Y = X W + b; W has shape (n_in, n_out), b (n_out,).

    init: how W (and b) are drawn: "pytorch" (default, as nn.Linear: both from
    U(−1/√n_in, 1/√n_in)), "glorot" (W ~ N(0, 2/(n_in + n_out)), b = 0), "he"
    (W ~ N(0, 2/n_in), b = 0), or a number s > 0 (W ~ N(0, s²), b = 0).
    rng: an integer seed or a numpy Generator; dtype: np.float32 or np.float64.
    """

    def __init__(self, n_in: int, n_out: int, *, rng=0, dtype=np.float32, init="pytorch"):
        super().__init__()
        n_in, n_out = check_int("n_in", n_in, low=1), check_int("n_out", n_out, low=1)
        rng = check_rng(rng, "rng")
        if init == "pytorch":
            bound = 1 / np.sqrt(n_in)
            W = rng.uniform(-bound, bound, size=(n_in, n_out))
            b = rng.uniform(-bound, bound, size=n_out)
        else:
            W = init_std(init, n_in, n_out) * rng.standard_normal((n_in, n_out))
            b = np.zeros(n_out)
        self.params = {"W": W.astype(dtype), "b": b.astype(dtype)}
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def forward(self, X):
        """X (B, n_in) -> Y (B, n_out)."""
        self.X = X  # kept for dW = Xᵀ dY
        return X @ self.params["W"] + self.params["b"]  # Y = X W + b

    def backward(self, dY, *, input_grad: bool = True):
        """dY (B, n_out) -> dX (B, n_in); fills grads["W"] (n_in, n_out) and grads["b"] (n_out,).

        input_grad=False skips dX (returns None): the first layer needs no gradient of the data.
        """
        W = self.params["W"]
        dY = dY.astype(W.dtype, copy=False)  # e.g. a float64 dY from float64 targets
        X = self.X.astype(W.dtype, copy=False)  # e.g. float64 data into a float32 layer
        np.dot(X.T, dY, out=self.grads["W"])  # dW = Xᵀ dY: sums over the batch's rows
        dY.sum(axis=0, out=self.grads["b"])  # db = Σ_rows dY
        return dY @ W.T if input_grad else None  # dX = dY Wᵀ

    def __repr__(self) -> str:
        return f"Linear({self.params['W'].shape[0]}, {self.params['W'].shape[1]})"


def init_std(init, n_in: int, n_out: int) -> float:
    """The standard deviation of W's entries under ``init`` (see ``Linear``)."""
    if isinstance(init, str):
        check_choice("init", init, ("pytorch", "glorot", "he"))
        return {"pytorch": 1 / np.sqrt(3 * n_in),  # the std of U(−1/√n_in, 1/√n_in)
                "glorot": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in)}[init]
    return check_positive("init", init)


class Activation(Layer):
    """Y = f(X) elementwise, for one entry ``fn`` of ``ACTIVATIONS``; dX = dY · f'(X)."""

    fn: ActivationFn

    def forward(self, X):
        self.X, self.Y = X, self.fn.f(X)  # both kept: f' may need either
        return self.Y

    def backward(self, dY):
        return dY * self.fn.df(self.X, self.Y)  # the chain rule, elementwise


class ReLU(Activation):
    """Y = max(X, 0); dX = dY where X > 0, else 0."""

    fn = ACTIVATIONS["relu"]


class Sigmoid(Activation):
    """Y = 1 / (1 + e^(−X)); dX = dY · Y (1 − Y)."""

    fn = ACTIVATIONS["sigmoid"]


class Tanh(Activation):
    """Y = tanh(X); dX = dY · (1 − Y²)."""

    fn = ACTIVATIONS["tanh"]


class Dropout(Layer):
    """Inverted dropout: in training mode Y = X · m / (1 − p), m a fresh 0/1 mask with
    P(m = 1) = 1 − p, so E[Y] = X; in evaluation mode Y = X. Backward: dX = dY · m / (1 − p)."""

    def __init__(self, p: float = 0.5, *, rng=0):
        super().__init__()
        self.p = check_fraction("p", p)
        self.rng = check_rng(rng, "rng")

    def forward(self, X):
        if not self.training or self.p == 0:
            self.scale = 1.0  # the identity, forward and backward
            return X
        keep = self.rng.random(X.shape) >= self.p  # m
        self.scale = (keep / (1 - self.p)).astype(X.dtype)  # m / (1 − p)
        return X * self.scale

    def backward(self, dY):
        return dY * self.scale  # dropped units pass no gradient back

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse: the chain rule, layer by layer.

    ``params`` and ``grads`` are named "<position>.<name>", e.g. "0.W".
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise TypeError(f"Sequential needs one or more layers (Linear, ReLU, ...); got "
                            f"{[type(layer).__name__ for layer in layers]}")
        self.layers = list(layers)
        _check_chain(self.layers)
        for i, layer in enumerate(self.layers):
            for name in layer.params:
                self.params[f"{i}.{name}"] = layer.params[name]
                self.grads[f"{i}.{name}"] = layer.grads[name]

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY, *, input_grad: bool = True):
        """dL/d(output) -> dL/dX; every layer fills its grads on the way back."""
        for layer in reversed(self.layers[1:]):
            dY = layer.backward(dY)
        first = self.layers[0]
        if isinstance(first, (Linear, Sequential)):
            return first.backward(dY, input_grad=input_grad)
        return first.backward(dY)

    def train(self, mode: bool = True):
        for layer in self.layers:
            layer.train(mode)
        return super().train(mode)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _check_chain(layers) -> None:
    """Each Linear layer must take as many inputs as the Linear layer before it gives."""
    widths = [(i, lin.params["W"].shape) for i, layer in enumerate(layers)
              for lin in linear_layers(layer)]
    for (i, (_, n_out)), (j, (n_in, _)) in zip(widths, widths[1:]):
        if n_in != n_out:
            raise ValueError(f"layer {j} takes {n_in} inputs, but the Linear layer before it "
                             f"(layer {i}) gives {n_out}: the widths must chain")


def linear_layers(model: Layer) -> list[Linear]:
    """The Linear layers of ``model``, first to last."""
    if isinstance(model, Linear):
        return [model]
    if isinstance(model, Sequential):
        return [lin for layer in model.layers for lin in linear_layers(layer)]
    return []


def mlp(sizes, activation: str = "relu", *, seed=0, dtype=np.float32, init="pytorch",
        dropout: float = 0.0) -> Sequential:
    """A multilayer perceptron: Linear layers with an activation between them (none at the end).

    sizes: the widths [n_in, hidden..., n_out], e.g. [784, 128, 10]; activation: "relu",
    "sigmoid" or "tanh"; seed: integer or Generator for the weights (and dropout masks);
    init: see ``Linear``; dropout: p of a Dropout layer after each hidden activation (0: none).
    """
    sizes = list(sizes) if np.iterable(sizes) and not isinstance(sizes, str) else [sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two widths, e.g. [784, 128, 10]; got {sizes}")
    sizes = [check_int(f"sizes[{i}]", n, low=1) for i, n in enumerate(sizes)]
    check_choice("activation", activation, ACTIVATIONS)
    init_std(init, 1, 1)  # a bad init fails here, before any layer is built
    check_fraction("dropout", dropout)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64; got {dtype!r}")
    rng = check_rng(seed)
    layers: list[Layer] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(Linear(n_in, n_out, rng=rng, dtype=dtype, init=init))
        layers.append({"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}[activation]())
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers[: -2 if dropout else -1])  # no activation after the output
