"""Layers of a neural network, each with a forward and a backward pass, in plain numpy.

Rows are examples: a batch ``X`` has shape ``(n_examples, n_features)`` and a ``Linear`` layer
computes ``Y = X @ W + b``. ``forward(X)`` keeps what the backward pass needs; ``backward(dY)``
takes dL/dY (same shape as Y), writes dL/dparameter into ``grads`` and returns dL/dX.

Written for reading, not for speed; still, the hot path allocates little and never loops over
examples. One difference from PyTorch: ``backward`` *overwrites* ``grads`` instead of adding to
them, so there is nothing to reset between steps (``zero_grad`` exists for symmetry).
"""

from __future__ import annotations

import numpy as np

from helpers.batches import as_rng
from helpers.validate import check_choice, check_int, check_number, check_positive_number

DTYPES = {"float32": np.float32, "float64": np.float64}


def check_dtype(dtype) -> type:
    """Return ``np.float32`` or ``np.float64``; the only dtypes the layers work in."""
    try:
        name = None if dtype is None else np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in DTYPES:
        raise ValueError(f"dtype must be np.float32 or np.float64; got {dtype!r}")
    return DTYPES[name]


class Layer:
    """Base class: ``params`` and ``grads`` are dicts with the same keys and shapes.

    ``training`` is True (training mode) until ``eval()``; only ``Dropout`` behaves differently
    in the two modes. ``train()`` and ``eval()`` return the layer, as in PyTorch.
    """

    training = True

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (``mode=False``: evaluation mode); returns the layer."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"mode must be True or False; got {mode!r}")
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (what predictions and validation use); returns the layer."""
        return self.train(False)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Y = layer(X); remembers what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """Given dL/dY, fill ``grads`` with dL/dparameters and return dL/dX."""
        raise NotImplementedError

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (parameter, gradient) pairs an optimizer updates, as the same array objects."""
        return [(self.params[name], self.grads[name]) for name in self.params]

    def zero_grad(self) -> None:
        """Set every gradient to 0 (in place)."""
        for grad in self.grads.values():
            grad.fill(0)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MultiplyAddCounter:
    """Multiply-adds done by the matrix products of every ``Linear`` layer since ``reset()``.

    forward: Y = X W, B·n_in·n_out for a batch of B; backward: dW = Xᵀ dY and dX = dY Wᵀ, as
    many each (dX skipped with input_grad=False). Bias additions and activations are not
    counted. One integer update per call, never per example, so training does not slow down.
    """

    def __init__(self):
        self.forward = 0
        self.backward = 0

    def reset(self) -> None:
        """Start counting from zero."""
        self.forward = 0
        self.backward = 0

    @property
    def total(self) -> int:
        return self.forward + self.backward

    def __repr__(self) -> str:
        return f"MultiplyAddCounter(forward={self.forward:,}, backward={self.backward:,})"


MULTIPLY_ADDS = MultiplyAddCounter()  # read it, e.g. MULTIPLY_ADDS.total; MULTIPLY_ADDS.reset()


class Linear(Layer):
    """Fully connected layer Y = X W + b.

    n_in, n_out: numbers of input and output features. W has shape (n_in, n_out), b (n_out,).
    init: how W and b are drawn (see ``init_std``):
      "pytorch" (default): both from U(-1/sqrt(n_in), 1/sqrt(n_in)) as in PyTorch's nn.Linear;
      "glorot": W from N(0, 2/(n_in + n_out)), b = 0 (Glorot and Bengio 2010, for tanh);
      "he": W from N(0, 2/n_in), b = 0 (He et al. 2015, for ReLU);
      a number s > 0: W from N(0, s²), b = 0.
    rng: numpy Generator or integer seed (None means seed 0, so models are reproducible).
    """

    def __init__(self, n_in: int, n_out: int, *, rng=None, dtype=np.float32, init="pytorch"):
        super().__init__()
        n_in = check_int("n_in", n_in, low=1)
        n_out = check_int("n_out", n_out, low=1)
        dtype = check_dtype(dtype)
        rng = as_rng(0 if rng is None else rng)
        std = init_std(init, n_in, n_out)
        if isinstance(init, str) and init == "pytorch":  # unchanged from nn.Linear
            bound = 1.0 / np.sqrt(n_in)
            self.params["W"] = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype)
            self.params["b"] = rng.uniform(-bound, bound, size=n_out).astype(dtype)
        else:
            self.params["W"] = (std * rng.standard_normal((n_in, n_out))).astype(dtype)
            self.params["b"] = np.zeros(n_out, dtype=dtype)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.grads["b"] = np.zeros_like(self.params["b"])
        self.X = None

    @property
    def n_in(self) -> int:
        return self.params["W"].shape[0]

    @property
    def n_out(self) -> int:
        return self.params["W"].shape[1]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n_in) -> Y (B, n_out)."""
        if np.ndim(X) != 2:
            raise ValueError(self._shape_message(X) + "; for one example use X.reshape(1, -1)")
        self.X = X
        try:
            Y = X @ self.params["W"]  # Y = X W ...
        except ValueError:  # numpy's message for a shape mismatch is hard to read
            raise ValueError(self._shape_message(X)) from None
        except TypeError:
            raise _not_an_array(self, X) from None
        Y += self.params["b"]  # ... + b, added to every row
        MULTIPLY_ADDS.forward += Y.size * len(self.params["W"])  # B·n_out·n_in
        return Y

    def _shape_message(self, X) -> str:
        return (f"X must have shape (n_examples, {self.n_in}) for {self!r}; "
                f"got X.shape={np.shape(X)} (W has shape {self.params['W'].shape})")

    def backward(self, dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """dY (B, n_out) -> dX (B, n_in); fills grads["W"] and grads["b"].

        input_grad=False skips dX (returns None): the first layer of a network does not need
        the gradient with respect to the data, and computing it costs as much as dW.
        """
        # dW = X^T dY (for one example an outer product, which np.matmul computes about 5x
        # more slowly than np.dot; for larger batches np.matmul is the faster of the two)
        if self.X is None:
            raise _backward_first(self)
        try:
            matmul = np.dot if len(dY) == 1 else np.matmul
            matmul(self.X.T, dY, out=self.grads["W"])
        except (ValueError, TypeError):  # numpy's message for a shape mismatch is hard to read
            raise ValueError(
                f"dY must have shape {(len(self.X), self.n_out)} (n_examples, n_out) for "
                f"{self!r} after forward on X.shape={self.X.shape}; got dY.shape={np.shape(dY)}"
            ) from None
        dY.sum(axis=0, out=self.grads["b"])  # db = sum of dY over the examples
        # B·n_in·n_out for dW, as many again for dX
        MULTIPLY_ADDS.backward += len(dY) * self.grads["W"].size * (2 if input_grad else 1)
        if input_grad:
            return dY @ self.params["W"].T  # dX = dY W^T
        return None

    def __repr__(self) -> str:
        return f"Linear({self.n_in}, {self.n_out})"


class ReLU(Layer):
    """Y = max(X, 0), elementwise; dY/dX is 1 where X > 0 and 0 elsewhere."""

    mask = None  # set by forward

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n) -> Y (B, n)."""
        try:
            self.mask = X > 0  # 1[X > 0], the local derivative, kept for backward
        except TypeError:
            raise _not_an_array(self, X) from None
        return np.maximum(X, 0)

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY (B, n) -> dX (B, n)."""
        if self.mask is None:
            raise _backward_first(self)
        # dX = dY * 1[X > 0]; a product, because np.where is ~10x slower on a random mask
        return dY * self.mask


class Sigmoid(Layer):
    """Y = 1 / (1 + exp(-X)), elementwise; dY/dX = Y (1 - Y)."""

    Y = None  # set by forward

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n) -> Y (B, n), finite and silent for any X."""
        # for x < -88 (float32) e^-x overflows to inf and 1 / (1 + inf) = 0: the right limit
        try:
            with np.errstate(over="ignore"):
                self.Y = 1 / (1 + np.exp(-X))
        except TypeError:
            raise _not_an_array(self, X) from None
        return self.Y

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY (B, n) -> dX (B, n)."""
        if self.Y is None:
            raise _backward_first(self)
        return dY * self.Y * (1 - self.Y)  # dX = dY * s (1 - s)


class Tanh(Layer):
    """Y = tanh(X), elementwise; dY/dX = 1 - Y^2."""

    Y = None  # set by forward

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n) -> Y (B, n)."""
        try:
            self.Y = np.tanh(X)
        except TypeError:
            raise _not_an_array(self, X) from None
        return self.Y

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY (B, n) -> dX (B, n)."""
        if self.Y is None:
            raise _backward_first(self)
        return dY * (1 - self.Y * self.Y)  # dX = dY * (1 - tanh^2)


class Dropout(Layer):
    """Inverted dropout: in training mode each entry is kept with probability 1 - p and scaled
    by 1/(1 - p), so its expected value is unchanged; in evaluation mode Y = X.

    Forward in training mode: Y = X * m / (1 - p), with m a fresh random 0/1 mask, P(m = 1) = 1 - p;
    backward: dX = dY * m / (1 - p), the same mask (dropped units pass no gradient back).
    p: the probability of dropping an entry, 0 <= p < 1. rng: Generator or integer seed.
    fixed_mask: None, or a boolean (B, n) keep-mask used by every training-mode forward instead
    of a random one (for gradient checks).
    """

    scale = None  # m / (1 - p), set by forward

    def __init__(self, p: float = 0.5, *, rng=None):
        super().__init__()
        p = check_number("p", p)
        if not 0 <= p < 1:
            raise ValueError(f"p must be a probability of dropping, 0 <= p < 1; got {p!r}")
        self.p = p
        self.rng = as_rng(0 if rng is None else rng)
        self.fixed_mask = None

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n) -> Y (B, n)."""
        if not hasattr(X, "dtype") or X.dtype.kind not in "biuf":
            raise _not_an_array(self, X)
        if not self.training or self.p == 0:
            self.scale = np.ones((), dtype=X.dtype)  # the identity, forward and backward
            return X
        keep = self.rng.random(X.shape) >= self.p if self.fixed_mask is None else self.fixed_mask
        if np.shape(keep) != X.shape:
            raise ValueError(f"fixed_mask must have the shape of X, {X.shape}, for {self!r}; "
                             f"got {np.shape(keep)}")
        self.scale = (keep / (1 - self.p)).astype(X.dtype)  # m / (1 - p)
        return X * self.scale

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY (B, n) -> dX (B, n)."""
        if self.scale is None:
            raise _backward_first(self)
        if not hasattr(dY, "dtype") or dY.dtype.kind not in "biuf":
            raise TypeError(f"dY must be a numpy array of numbers for {self!r}; got "
                            f"{type(dY).__name__}")
        if self.scale.ndim and dY.shape != self.scale.shape:
            raise ValueError(f"dY must have the shape of the last X, {self.scale.shape}, for "
                             f"{self!r}; got dY.shape={dY.shape}")
        return dY * self.scale  # dX = dY * m / (1 - p)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
INITS = ("pytorch", "glorot", "he")


def init_std(init, n_in: int, n_out: int) -> float:
    """The standard deviation of W's entries under ``init`` for a (n_in, n_out) layer.

    "pytorch": 1/sqrt(3 n_in) (the std of U(-1/sqrt(n_in), 1/sqrt(n_in))); "glorot":
    sqrt(2/(n_in + n_out)); "he": sqrt(2/n_in); a number s > 0: s itself.
    """
    n_in, n_out = check_int("n_in", n_in, low=1), check_int("n_out", n_out, low=1)
    if isinstance(init, str):
        init = check_choice("init", init, INITS)
        return {"pytorch": 1 / np.sqrt(3 * n_in), "glorot": np.sqrt(2 / (n_in + n_out)),
                "he": np.sqrt(2 / n_in)}[init]
    if isinstance(init, (bool, np.bool_)) or not isinstance(init, (int, float, np.number)):
        raise TypeError(f"init must be one of {', '.join(map(repr, INITS))} or a standard "
                        f"deviation (a number > 0); got {init!r} ({type(init).__name__})")
    return check_positive_number("init", init)


def _not_an_array(layer, X) -> TypeError:
    """The error for an X that is not an array of numbers."""
    return TypeError(f"X must be a numpy array of numbers for {layer!r}; got "
                     f"{type(X).__name__} {getattr(X, 'dtype', '')}".rstrip())


def _backward_first(layer) -> RuntimeError:
    """The error for backward(dY) called before any forward(X)."""
    return RuntimeError(f"{layer!r}: call forward(X) before backward(dY); backward needs "
                        "what the forward pass keeps")


class Sequential(Layer):
    """Layers applied one after the other; backward runs them in reverse (the chain rule).

    ``params`` and ``grads`` are named "<i>.<name>" after the layer's position, e.g. "0.W".
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        if not layers:
            raise ValueError("Sequential needs at least one layer; got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers must be Layer objects (Linear, ReLU, ...); "
                    f"layer {i} is {layer!r} ({type(layer).__name__})"
                )
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            for name in layer.params:
                self.params[f"{i}.{name}"] = layer.params[name]
                self.grads[f"{i}.{name}"] = layer.grads[name]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (B, n_in) -> output of the last layer."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """dL/d(output) -> dL/dX; every layer fills its grads on the way back.

        input_grad=False lets a first Linear layer skip dL/dX (returns None then).
        """
        for layer in reversed(self.layers[1:]):
            dY = layer.backward(dY)
        first = self.layers[0]
        if not input_grad and isinstance(first, (Linear, Sequential)):
            return first.backward(dY, input_grad=False)
        return first.backward(dY)

    def train(self, mode: bool = True) -> Sequential:
        """Training mode (or evaluation mode, mode=False) for this model and all its layers."""
        super().train(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """All layers' (parameter, gradient) pairs, first layer first."""
        return [pair for layer in self.layers for pair in layer.parameters()]

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def mlp(sizes, activation: str = "relu", *, seed=0, dtype=np.float32, init="pytorch",
        dropout: float = 0.0) -> Sequential:
    """A multilayer perceptron: Linear layers with an activation between them (none at the end).

    sizes: layer widths [n_in, hidden..., n_out], e.g. [784, 128, 10] (at least two numbers);
    activation: "relu", "sigmoid" or "tanh"; seed: integer seed or Generator for the weights
    (and the dropout masks); init: every Linear layer's init ("pytorch", "glorot", "he" or a
    std, see ``Linear``); dropout: p of a Dropout layer after each hidden activation (0: none).
    """
    sizes = list(sizes) if np.iterable(sizes) else sizes
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layer widths, e.g. [784, 128, 10]; "
                         f"got {sizes!r}")
    sizes = [check_int(f"sizes[{i}]", n, low=1) for i, n in enumerate(sizes)]
    activation = check_choice("activation", activation, ACTIVATIONS)
    init_std(init, 1, 1)  # a bad init fails here, before any layer is built
    dropout = check_number("dropout", dropout)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a probability of dropping, 0 <= p < 1; got {dropout!r}")
    rng = as_rng(seed, "seed")
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [Linear(n_in, n_out, rng=rng, dtype=dtype, init=init), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    return Sequential(*layers[:-2 if dropout else -1])
