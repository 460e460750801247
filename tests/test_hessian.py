"""Hessian-vector products and the sharpness, against finite differences and exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.hessian import dot, hvp, hvp_from_gradients, loss_and_grad, random_direction, sharpness
from helpers.layers import Linear, Sequential, mlp
from helpers.losses import MSELoss, SoftmaxCrossEntropy


def problem(activation, loss_fn, seed=0):
    rng = np.random.default_rng(seed)
    model = mlp([5, 8, 6, 3], activation, seed=seed, dtype=np.float64)
    X = rng.standard_normal((9, 5))
    y = (rng.integers(0, 3, 9) if isinstance(loss_fn, SoftmaxCrossEntropy)
         else rng.standard_normal((9, 3)))
    return model, loss_fn, X, y


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("loss_fn", [SoftmaxCrossEntropy(), MSELoss()], ids=["ce", "mse"])
def test_hvp_agrees_with_finite_differences_of_the_gradient(activation, loss_fn):
    model, loss_fn, X, y = problem(activation, loss_fn)
    v = random_direction(model, 1)
    exact = hvp(model, loss_fn, X, y, v)
    for eps, tol in ((1e-3, 1e-5), (1e-5, 1e-8)):  # the error shrinks like eps^2
        approx = hvp_from_gradients(model, loss_fn, X, y, v, eps=eps)
        err = max(np.max(np.abs(a - b)) for a, b in zip(exact, approx))
        assert err < tol, (eps, err)


def test_hvp_from_gradients_puts_the_weights_back():
    model, loss_fn, X, y = problem("tanh", SoftmaxCrossEntropy())
    before = [p.copy() for p, _ in model.parameters()]
    hvp_from_gradients(model, loss_fn, X, y, random_direction(model))
    assert all(np.array_equal(p, q) for (p, _), q in zip(model.parameters(), before))


def test_hvp_of_a_linear_model_with_mse_is_the_known_matrix():
    # L = mean((X w + b - y)^2) over n examples: H_ww = 2 X^T X / n, H_wb = 2 X^T 1 / n
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 1))
    model = Sequential(Linear(4, 1, dtype=np.float64))
    vw, vb = rng.standard_normal((4, 1)), rng.standard_normal(1)
    hw, hb = hvp(model, MSELoss(), X, y, [vw, vb])
    np.testing.assert_allclose(hw, 2 / 10 * (X.T @ X @ vw + X.T.sum(axis=1, keepdims=True) * vb))
    np.testing.assert_allclose(hb, 2 / 10 * (X.sum(axis=0) @ vw + 10 * vb))


def test_sharpness_is_the_largest_eigenvalue_of_the_full_hessian():
    model, loss_fn, X, y = problem("tanh", MSELoss(), seed=2)
    n = sum(p.size for p, _ in model.parameters())
    shapes = [p.shape for p, _ in model.parameters()]
    columns = []
    for i in range(n):  # H e_i, column by column: the whole Hessian of this small network
        e = np.zeros(n)
        e[i] = 1
        parts = np.split(e, np.cumsum([int(np.prod(s)) for s in shapes])[:-1])
        columns.append(np.concatenate([h.ravel() for h in
                                       hvp(model, loss_fn, X, y, [p.reshape(s) for p, s in
                                                                  zip(parts, shapes)])]))
    H = np.array(columns).T
    np.testing.assert_allclose(H, H.T, atol=1e-12)  # a Hessian is symmetric
    top = np.linalg.eigvalsh(H)[-1]
    value, v = sharpness(model, loss_fn, X, y, num_iters=300)
    assert value == pytest.approx(top, rel=1e-6)
    assert dot(v, v) == pytest.approx(1.0)


def test_loss_and_grad_match_the_model_backward():
    model, loss_fn, X, y = problem("relu", SoftmaxCrossEntropy())
    loss, grads = loss_and_grad(model, loss_fn, X, y)
    assert loss == pytest.approx(loss_fn.forward(model.forward(X), y))
    assert len(grads) == len(model.parameters())


def test_a_model_that_does_not_alternate_layers_is_refused():
    from helpers.layers import ReLU

    model = Sequential(Linear(3, 2, dtype=np.float64), ReLU(), ReLU(), Linear(2, 1))
    with pytest.raises(TypeError, match="alternate"):
        hvp(model, MSELoss(), np.ones((2, 3)), np.ones((2, 1)), random_direction(model))


def test_full_batch_gd_on_digits_settles_at_the_edge_of_stability():
    # what notebook 09b shows (its printed numbers depend on the machine's last bits)
    from helpers.data import load_mnist
    from helpers.hessian import gd_with_sharpness

    data = load_mnist("sample", verbose=False)
    X, Y = data.X_train[:250].astype(np.float64), np.eye(10)[data.y_train[:250]]
    lr = 0.55
    run = gd_with_sharpness(mlp([784, 32, 32, 10], "tanh", seed=0, dtype=np.float64), MSELoss(),
                            X, Y, lr, num_steps=800)
    s = run["sharpness"]
    assert s[0] < 0.8 * 2 / lr  # starts well below the edge ...
    reached = int(np.argmax(s >= 0.95 * 2 / lr))
    assert s[reached] >= 0.95 * 2 / lr and run["sharpness_steps"][reached] > 50  # ... rises ...
    after = s[reached:]
    assert abs(np.median(after) * lr / 2 - 1) < 0.1  # ... and hovers at 2/lr
    assert after.max() * lr / 2 < 1.4 and after.min() * lr / 2 > 0.7  # overshoots < a third+
    loss = run["loss"]
    assert loss[-1] < loss[0] / 10 and np.any(np.diff(loss) > 0)  # falls, but not every step
