"""Notebook 04a: the small network of section 1 as a computational graph, every number on it.

    x ─┐
    W1 ├─> z = x W1 + b1 ──> h = σ(z) ──> ŷ = h W2 + b2 ──> L = (ŷ − y)²
    b1 ┘                                  W2, b2 ┘            y ┘

The forward pass writes a value on every node; the backward pass sends a gradient back along
every edge: the edge from a node u to the operation that uses it carries ∂L/∂u. The numbers are
computed by ``helpers.layers`` (Linear, Sigmoid) and ``helpers.losses.MSELoss``, one layer's
backward at a time, so the graph shows exactly what the package computes.

- ``graph_state``    values, gradients and one SGD update for any x, y, W1, b1, W2, b2
- ``example_state``  the same for section 1's numbers, with x₁, one weight w = W1[0, 0] and the
  learning rate of the update changed (what the panel's sliders set)
"""

from __future__ import annotations

import numpy as np

from ..layers import Linear, Sequential, Sigmoid
from ..losses import MSELoss
from ..optim import SGD
from ..validate import check_array, check_number, check_positive_number

# section 1 of notebook 04a: one example with two features, two sigmoid units, one output
EXAMPLE = {
    "x": np.array([[1.0, -2.0]]),
    "y": np.array([[0.5]]),
    "W1": np.array([[0.1, -0.3], [0.4, 0.2]]),
    "b1": np.array([0.0, 0.1]),
    "W2": np.array([[0.5], [-0.6]]),
    "b2": np.array([0.2]),
}
SHAPES = {name: value.shape for name, value in EXAMPLE.items()}
PARAMETERS = ("W1", "b1", "W2", "b2")


def _network(W1, b1, W2, b2) -> Sequential:
    model = Sequential(Linear(2, 2, dtype=np.float64), Sigmoid(), Linear(2, 1, dtype=np.float64))
    for name, value in zip(("0.W", "0.b", "2.W", "2.b"), (W1, b1, W2, b2)):
        model.params[name][...] = value
    return model


def graph_state(x, y, W1, b1, W2, b2, lr: float = 0.0) -> dict:
    """Every node's value and every edge's gradient for the network of section 1.

    x (1, 2), y (1, 1), W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,). lr >= 0: the learning rate of one
    SGD step, taken after the gradients are read.
    Returns {"values": {name: array} for x, W1, b1, z, h, W2, b2, y_hat, y, L;
             "grads": {name: ∂L/∂name} for every node but y (and "L": 1);
             "after": the parameters after the step and "L", the loss with them}.
    """
    given = {"x": x, "y": y, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    arrays = {}
    for name, value in given.items():
        array = check_array(name, value).astype(float)
        if array.shape != SHAPES[name]:
            raise ValueError(f"{name} must have shape {SHAPES[name]}; got {value!r} "
                             f"(shape {array.shape})")
        arrays[name] = array
    lr = check_positive_number("lr", lr, allow_zero=True)
    model, loss_fn = _network(*(arrays[p] for p in PARAMETERS)), MSELoss()
    first, sigmoid, second = model.layers
    # forward: every layer keeps what its backward needs
    z = first.forward(arrays["x"])
    h = sigmoid.forward(z)
    y_hat = second.forward(h)
    loss = loss_fn.forward(y_hat, arrays["y"])
    # backward: one layer at a time, so every intermediate gradient can be written down
    d_y_hat = loss_fn.backward()
    d_h = second.backward(d_y_hat)
    d_z = sigmoid.backward(d_h)
    d_x = first.backward(d_z)
    values = {"x": arrays["x"], "W1": arrays["W1"], "b1": arrays["b1"], "z": z.copy(),
              "h": h.copy(), "W2": arrays["W2"], "b2": arrays["b2"], "y_hat": y_hat.copy(),
              "y": arrays["y"], "L": np.array(loss)}
    grads = {"x": d_x, "W1": first.grads["W"].copy(), "b1": first.grads["b"].copy(), "z": d_z,
             "h": d_h, "W2": second.grads["W"].copy(), "b2": second.grads["b"].copy(),
             "y_hat": d_y_hat, "L": np.array(1.0)}
    after = {}
    if lr > 0:
        SGD(model.parameters(), lr=lr).step()  # the optimizer, not backprop, changes weights
    for name, key in zip(PARAMETERS, ("0.W", "0.b", "2.W", "2.b")):
        after[name] = model.params[key].copy()
    after["L"] = loss_fn.forward(model.forward(arrays["x"]), arrays["y"])
    return {"values": values, "grads": grads, "after": after, "lr": lr}


def example_state(x1: float = 1.0, w: float = 0.1, lr: float = 0.5) -> dict:
    """``graph_state`` for section 1's network with x[0, 0] = x1 and W1[0, 0] = w.

    The state also holds "w" (the weight the slider sets), "dw" (∂L/∂w) and "w_after" (w after
    one SGD step with lr).
    """
    x1 = check_number("x1", x1)
    w = check_number("w", w)
    lr = check_positive_number("lr", lr, allow_zero=True)
    x, W1 = EXAMPLE["x"].copy(), EXAMPLE["W1"].copy()
    x[0, 0], W1[0, 0] = x1, w
    state = graph_state(x, EXAMPLE["y"], W1, EXAMPLE["b1"], EXAMPLE["W2"], EXAMPLE["b2"], lr)
    state.update(w=w, dw=float(state["grads"]["W1"][0, 0]),
                 w_after=float(state["after"]["W1"][0, 0]))
    return state
