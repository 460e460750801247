"""What practitioners watch while a network trains, and what it means when it looks wrong.

For a ``Sequential`` MLP (``Linear`` layers with activations between them):

- ``grad_norms``: the size ||dL/dW|| of each Linear layer's weight gradient;
- ``update_ratios``: ||W_after - W_before|| / ||W_before|| per Linear layer, the size of one
  step relative to the weights (rule of thumb: about 1e-3);
- ``dead_fraction``: the share of ReLU units that output 0 for every example of a batch;
- ``activation_histograms``: the distribution of each hidden layer's outputs;
- ``hints``: plain sentences for the learner when a measurement leaves its healthy range.

``activations`` runs the forward pass WITHOUT touching what the layers keep for backward, so it
can be called while another thread trains the same model. (Norms are Frobenius norms, the
square root of the sum of squares of all entries.)
"""

from __future__ import annotations

import numpy as np

from helpers.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from helpers.validate import check_array, check_choice, check_int

# healthy ranges (each hint below says what leaving them usually means)
RATIO_HIGH = 3e-2  # update/weight above this: the learning rate is probably too high
RATIO_LOW = 1e-5  # below this in every layer: the learning rate is probably too low
DEAD_HIGH = 0.5  # more than half of a layer's ReLUs dead
SATURATED_HIGH = 0.5  # more than half of a sigmoid/tanh layer's outputs at its flat ends
VANISHING = 1e-2  # first layer's gradient below 1% of the last layer's


def _check_model(model) -> None:
    """``model`` must be a Sequential of Linear, ReLU, Tanh and Sigmoid layers (as mlp builds)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential network, e.g. mlp([784, 64, 10]); got "
                        f"{model!r:.80} ({type(model).__name__})")
    for layer in model.layers:
        if not isinstance(layer, (Linear, ReLU, Tanh, Sigmoid)):
            raise TypeError(f"model must hold Linear, ReLU, Tanh or Sigmoid layers; got {layer!r}")


def _check_batch(model, X) -> np.ndarray:
    """``X`` must be a batch (B, n_in) of finite numbers, one column per input of ``model``."""
    X = check_array("X", X, ndim=2)
    n_in = linear_layers(model)[0].params["W"].shape[0]
    if X.shape[1] != n_in:
        raise ValueError(f"X must have {n_in} columns (the model's inputs); got shape {X.shape}")
    return X


def _check_outputs(name: str, value) -> np.ndarray:
    """A layer's outputs (B, n): a non-empty 2-D array of finite numbers."""
    value = check_array(name, value, ndim=2)
    if value.size == 0:
        raise ValueError(f"{name} must hold at least one output; got shape {value.shape}")
    return value


def linear_layers(model: Sequential) -> list[Linear]:
    """The Linear layers of ``model``, first to last."""
    _check_model(model)
    return _linear_layers(model)


def _linear_layers(model) -> list[Linear]:
    return [layer for layer in model.layers if isinstance(layer, Linear)]


def activations(model: Sequential, X: np.ndarray) -> list[np.ndarray]:
    """The output of every layer for a batch X (B, n_in), computed from the weights alone.

    Returns a list with one array (B, n_units) per layer of ``model.layers``; the layers' own
    caches (``Linear.X``, ``ReLU.mask``, ...) are left as they were.
    """
    _check_model(model)
    return _activations(model, _check_batch(model, X))


def _activations(model, X) -> list[np.ndarray]:
    outs = []
    for layer in model.layers:
        if isinstance(layer, Linear):
            X = X @ layer.params["W"] + layer.params["b"]  # Y = X W + b
        elif isinstance(layer, ReLU):
            X = np.maximum(X, 0)
        elif isinstance(layer, Tanh):
            X = np.tanh(X)
        else:  # Sigmoid
            with np.errstate(over="ignore"):
                X = 1 / (1 + np.exp(-X))
        outs.append(X)
    return outs


def predict_proba(model: Sequential, X: np.ndarray) -> np.ndarray:
    """Class probabilities (B, n_classes): softmax of the last layer's output."""
    logits = activations(model, X)[-1]  # checks model and X
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def hidden_outputs(model: Sequential, X: np.ndarray) -> dict[str, np.ndarray]:
    """{"ReLU 1": (B, n), ...}: the output of each activation layer, named by kind and depth."""
    return _hidden_outputs(model, activations(model, X))  # checks model and X


def _hidden_outputs(model, outs) -> dict[str, np.ndarray]:
    named, depth = {}, 0
    for layer, out in zip(model.layers, outs):
        if not isinstance(layer, Linear):
            depth += 1
            named[f"{type(layer).__name__} {depth}"] = out
    return named


def grad_norms(model: Sequential) -> np.ndarray:
    """||dL/dW|| of each Linear layer (n_linear,), from the gradients the last backward left."""
    return _grad_norms(linear_layers(model))


def _grad_norms(layers) -> np.ndarray:
    return np.array([np.linalg.norm(layer.grads["W"]) for layer in layers])


def weights(model: Sequential) -> list[np.ndarray]:
    """Copies of each Linear layer's W, to compare with after a step."""
    return _weights(linear_layers(model))


def _weights(layers) -> list[np.ndarray]:
    return [layer.params["W"].copy() for layer in layers]


def update_ratios(before: list[np.ndarray], model: Sequential) -> np.ndarray:
    """||W_now - W_before|| / ||W_before|| for each Linear layer (n_linear,)."""
    layers = linear_layers(model)
    shapes = [layer.params["W"].shape for layer in layers]
    if not isinstance(before, (list, tuple)):
        raise TypeError(f"before must be the list weights(model) returned; got {before!r:.80}")
    for i, w in enumerate(before):
        check_array(f"before[{i}]", w)
    if [np.shape(w) for w in before] != shapes:
        raise ValueError(f"before must hold one array per Linear layer, shaped {shapes} (what "
                         f"weights(model) returns); got shapes {[np.shape(w) for w in before]}")
    return _update_ratios(before, layers)


def _update_ratios(before, layers) -> np.ndarray:
    return np.array([np.linalg.norm(layer.params["W"] - w) / max(np.linalg.norm(w), 1e-30)
                     for w, layer in zip(before, layers)])


def dead_fraction(relu_output: np.ndarray) -> float:
    """Share of units (columns) of a ReLU output (B, n) that are 0 for every example."""
    return _dead(_check_outputs("relu_output", relu_output))


def _dead(relu_output) -> float:
    return float(np.mean(np.all(relu_output <= 0, axis=0)))


def saturated_fraction(output: np.ndarray, kind: str) -> float:
    """Share of the outputs (B, n) of a "Tanh" or "Sigmoid" layer within 1% of a flat end."""
    output = _check_outputs("output", output)
    return _saturated(output, check_choice("kind", kind, ("Tanh", "Sigmoid")))


def _saturated(output, kind: str) -> float:
    if kind == "Tanh":
        return float(np.mean(np.abs(output) > 0.99))
    return float(np.mean((output < 0.01) | (output > 0.99)))


def activation_histograms(model: Sequential, X: np.ndarray, bins: int = 30) -> dict:
    """{layer name: (counts (bins,), edges (bins + 1,))} of every hidden layer's outputs on X."""
    bins = check_int("bins", bins, low=1)
    return {name: np.histogram(out, bins=bins) for name, out in hidden_outputs(model, X).items()}


def measure(model: Sequential, X: np.ndarray, before: list[np.ndarray] | None = None) -> dict:
    """All the diagnostics at once, after a backward pass on the batch X (B, n_in).

    before: the weights before the last step (``weights(model)``), for the update ratios.
    Returns {"grad_norm": (n_linear,), "update_ratio": (n_linear,) or None,
    "dead": {ReLU name: share}, "saturated": {Tanh/Sigmoid name: share}}.
    """
    _check_model(model)
    X = _check_batch(model, X)
    if before is not None:
        update_ratios(before, model)  # checks before
    return _measure(model, X, before)


def _measure(model, X, before=None) -> dict:
    """``measure`` without the checks, for a training loop's own model and batch."""
    layers = _linear_layers(model)
    hidden = _hidden_outputs(model, _activations(model, X))
    return {
        "grad_norm": _grad_norms(layers),
        "update_ratio": None if before is None else _update_ratios(before, layers),
        "dead": {k: _dead(v) for k, v in hidden.items() if k.startswith("ReLU")},
        "saturated": {k: _saturated(v, k.split()[0]) for k, v in hidden.items()
                      if not k.startswith("ReLU")},
    }


def _percent(share: float) -> str:
    """0.031 -> "3%", 0.00004 -> "0.004%": two significant digits at most."""
    return f"{100 * share:.2g}%"


def hints(records: list[dict]) -> list[str]:
    """Plain-language hints from the diagnostics of the last steps (``measure`` results).

    Each hint uses the median over ``records``, so that one unusual batch does not trigger it.
    Returns an empty list when everything is in its healthy range.
    """
    if not records:
        return []
    out = []
    ratios = [r["update_ratio"] for r in records if r["update_ratio"] is not None]
    if ratios:
        ratio = np.median(ratios, axis=0)  # (n_linear,)
        if np.max(ratio) > RATIO_HIGH:
            out.append(f"updates are {_percent(np.max(ratio))} of the weights each step (layer "
                       f"{int(np.argmax(ratio)) + 1}): the learning rate is probably too high "
                       "(about 0.1% is usual).")
        elif np.max(ratio) < RATIO_LOW:
            out.append(f"updates are only {_percent(np.max(ratio))} of the weights each step: "
                       "the learning rate is probably too low (about 0.1% is usual).")
    for name in records[-1]["dead"]:
        dead = float(np.median([r["dead"][name] for r in records]))
        if dead > DEAD_HIGH:
            out.append(f"{_percent(dead)} of the units of {name} are dead (0 for every example "
                       "of a batch): they no longer learn; a lower learning rate or a smaller "
                       "negative bias helps.")
    for name in records[-1]["saturated"]:
        flat = float(np.median([r["saturated"][name] for r in records]))
        if flat > SATURATED_HIGH:
            out.append(f"{_percent(flat)} of the outputs of {name} sit at its flat ends, where "
                       "its slope is nearly 0: the weights are too large for this activation.")
    norms = np.median([r["grad_norm"] for r in records], axis=0)
    if len(norms) > 1 and norms[0] < VANISHING * norms[-1]:
        out.append(f"the first layer's gradient is {norms[0] / norms[-1]:.1g} times the last "
                   "layer's: the gradient vanishes on its way back, so the first layers "
                   "barely learn.")
    return out
