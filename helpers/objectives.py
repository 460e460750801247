"""Objective functions with their gradients: the landscapes the notebooks descend.

Every objective has ``f(x)`` (the loss at ``x``) and ``grad(x)`` (its gradient), written side by
side so the derivative sits next to the function it differentiates.

- 1-D objectives (``Parabola``, ``DoubleWell``) are vectorised: ``x`` may be a float or an array of
  points, and ``f``/``grad`` work elementwise.
- 2-D objectives (``QuadraticBowl``, ``Rosenbrock``, ``Saddle``, ``SaddleBetweenMinima``) take
  ``x`` of shape ``(2,)`` or ``(..., 2)`` and return ``f`` of shape ``(...)`` and ``grad`` of shape
  ``(..., 2)``, so a whole grid of points for a contour plot is one call.
- ``DoubleWell`` and ``LeastSquares`` are averages of per-example losses, so that a mini-batch
  gradient (an average over a few examples) can stand in for the full gradient: that is SGD.
"""

from __future__ import annotations

import numpy as np

from helpers.kit.checks import check_array, check_int, check_number, check_positive

# F'(x) = 4x³ − 4x + tilt has three real roots (two wells and a barrier) while |tilt| is below
# the height of 4x − 4x³ at its maximum x = 1/√3, that is 8/(3√3) ≈ 1.54; beyond, the wells merge.
MAX_TILT = 8 / (3 * np.sqrt(3))


class Parabola:
    """f(x) = (a/2)·x², the simplest valley: minimum 0 at x = 0, curvature f''(x) = a.

    The default a = 2 is text C's f(x) = x².
    """

    def __init__(self, a: float = 2.0):
        self.a = check_positive("a", a)
        self.x_min = 0.0
        self.f_min = 0.0

    def f(self, x):
        return 0.5 * self.a * np.square(x)

    def grad(self, x):
        # d/dx (a/2) x² = a x
        return self.a * np.asarray(x, dtype=float)

    def hessian(self, x):
        return np.array([[self.a]])

    def max_stable_lr(self) -> float:
        """GD multiplies x by r = 1 − lr·a each step: |r| <= 1  ⇔  lr <= 2/a = 2/f''."""
        return 2.0 / self.a

    def __repr__(self):
        return f"Parabola(a={self.a:g})"


class QuadraticBowl:
    """f(x) = ½ xᵀ A x: an elliptic bowl whose valley is ``kappa`` times steeper one way.

    ``A`` has eigenvalues ``lam_min`` and ``lam_max = kappa * lam_min``; its eigenvectors are the
    coordinate axes turned by ``angle_deg``. The condition number ``kappa`` makes GD zig-zag.
    """

    def __init__(self, kappa: float = 10.0, lam_min: float = 1.0, angle_deg: float = 0.0):
        self.kappa = check_positive("kappa", kappa)
        if self.kappa < 1:
            raise ValueError(f"kappa must be >= 1 (lam_max / lam_min); got {kappa!r}")
        self.lam_min = check_positive("lam_min", lam_min)
        self.lam_max = self.kappa * self.lam_min
        self.angle_deg = check_number("angle_deg", angle_deg)
        theta = np.deg2rad(self.angle_deg)
        Q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        # A = Q diag(λ_min, λ_max) Qᵀ: the valley floor runs along Q's first column
        self.A = Q @ np.diag([self.lam_min, self.lam_max]) @ Q.T
        self.eigenvalues = (self.lam_min, self.lam_max)
        self.dim = 2  # points are (x1, x2)
        self.x_min = np.zeros(2)
        self.f_min = 0.0

    def f(self, x):
        x = np.asarray(x, dtype=float)
        # ½ xᵀ A x, computed for every point in the leading dimensions at once
        return 0.5 * np.einsum("...i,ij,...j->...", x, self.A, x)

    def grad(self, x):
        # ∇f = A x   (A is symmetric)
        return np.asarray(x, dtype=float) @ self.A

    def hessian(self, x):
        """∇²f at a point x of shape (2,): the matrix A, the same everywhere."""
        return self.A.copy()

    def max_stable_lr(self) -> float:
        """GD is stable on every direction while lr < 2/λ_max."""
        return 2.0 / self.lam_max

    def best_lr(self) -> float:
        """The fixed step that contracts the slowest direction fastest: 2/(λ_min + λ_max)."""
        return 2.0 / (self.lam_min + self.lam_max)

    def __repr__(self):
        return (
            f"QuadraticBowl(kappa={self.kappa:g}, lam_min={self.lam_min:g}, "
            f"angle_deg={self.angle_deg:g})"
        )


class Rosenbrock:
    """f(x, y) = (a − x)² + b·(y − x²)²: a curved, flat-bottomed valley; minimum 0 at (a, a²)."""

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check_number("a", a)
        self.b = check_positive("b", b)
        self.dim = 2  # points are (x, y)
        self.x_min = np.array([self.a, self.a**2])
        self.f_min = 0.0

    def f(self, x):
        x = np.asarray(x, dtype=float)
        u, v = x[..., 0], x[..., 1]
        return (self.a - u) ** 2 + self.b * (v - u**2) ** 2

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        u, v = x[..., 0], x[..., 1]
        valley = v - u**2
        # ∂f/∂x = −2(a − x) − 4b·x·(y − x²);  ∂f/∂y = 2b·(y − x²)
        return np.stack([-2 * (self.a - u) - 4 * self.b * u * valley, 2 * self.b * valley], axis=-1)

    def hessian(self, x):
        """∇²f at a point x of shape (2,): the curvature that sets GD's largest stable lr there."""
        u, v = np.asarray(x, dtype=float)
        b = self.b
        # ∂²f/∂x² = 2 − 4b(y − x²) + 8b·x²;  ∂²f/∂x∂y = −4b·x;  ∂²f/∂y² = 2b
        return np.array([[2 - 4 * b * (v - u**2) + 8 * b * u**2, -4 * b * u], [-4 * b * u, 2 * b]])

    def __repr__(self):
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class Saddle:
    """f(x, y) = a·x² − b·y²: a saddle point at (0, 0), a minimum along x, a maximum along y.

    The gradient vanishes at the origin, but it is no minimum: the Hessian diag(2a, −2b) has one
    positive and one negative eigenvalue. f is unbounded below (there is no minimum at all).
    """

    def __init__(self, a: float = 1.0, b: float = 1.0):
        self.a = check_positive("a", a)
        self.b = check_positive("b", b)
        self.dim = 2  # points are (x, y)
        self.saddle = np.zeros(2)

    def f(self, x):
        x = np.asarray(x, dtype=float)
        return self.a * x[..., 0] ** 2 - self.b * x[..., 1] ** 2

    def grad(self, x):
        # ∂f/∂x = 2a·x;  ∂f/∂y = −2b·y
        x = np.asarray(x, dtype=float)
        return np.stack([2 * self.a * x[..., 0], -2 * self.b * x[..., 1]], axis=-1)

    def hessian(self, x):
        """∇²f at a point x of shape (2,): diag(2a, −2b), the same everywhere."""
        return np.diag([2 * self.a, -2 * self.b])

    def __repr__(self):
        return f"Saddle(a={self.a:g}, b={self.b:g})"


class SaddleBetweenMinima:
    """f(x, y) = a·x² + (y² − 1)²/4: two minima at (0, ±1) (f = 0) and a saddle at (0, 0).

    Hessian diag(2a, 3y² − 1): at the saddle diag(2a, −1) (mixed signs), at the minima
    diag(2a, 2) (both positive). GD started on the line y = 0 runs into the saddle; off it, into
    one of the two minima.
    """

    def __init__(self, a: float = 1.0):
        self.a = check_positive("a", a)
        self.dim = 2  # points are (x, y)
        self.saddle = np.zeros(2)
        self.minima = np.array([[0.0, -1.0], [0.0, 1.0]])
        self.x_min = self.minima[1]
        self.f_min = 0.0

    def f(self, x):
        x = np.asarray(x, dtype=float)
        return self.a * x[..., 0] ** 2 + (x[..., 1] ** 2 - 1) ** 2 / 4

    def grad(self, x):
        # ∂f/∂x = 2a·x;  ∂f/∂y = y(y² − 1)
        x = np.asarray(x, dtype=float)
        u, v = x[..., 0], x[..., 1]
        return np.stack([2 * self.a * u, v * (v**2 - 1)], axis=-1)

    def hessian(self, x):
        """∇²f at a point x of shape (2,): diag(2a, 3y² − 1)."""
        v = float(np.asarray(x, dtype=float)[1])
        return np.diag([2 * self.a, 3 * v**2 - 1])

    def __repr__(self):
        return f"SaddleBetweenMinima(a={self.a:g})"


class DoubleWell:
    """A 1-D loss with a deep and a shallow minimum, built as an average of per-example losses.

    Example ``i`` has the loss  ℓᵢ(x) = (x² − 1)² + tilt·x + cᵢ·x.  The slopes ``c`` are random but
    centred (mean exactly 0), so the full loss is  F(x) = (x² − 1)² + tilt·x:  a deep minimum near
    x = −1 and a shallow one near x = +1. A mini-batch gradient is F'(x) plus the batch mean of
    ``c``: noise whose size is set by ``noise`` and the batch size, the same everywhere in x.
    """

    def __init__(self, n_examples: int = 200, tilt: float = 0.3, noise: float = 1.0,
                 seed: int = 0):
        self.n_examples = check_int("n_examples", n_examples, low=2)
        self.tilt = check_number("tilt", tilt)
        if abs(self.tilt) >= MAX_TILT:
            raise ValueError(f"tilt must lie strictly between -{MAX_TILT:.4f} and {MAX_TILT:.4f} "
                             f"(8/(3√3): beyond it the two wells merge into one); got {tilt!r}")
        self.noise = check_number("noise", noise, low=0)
        rng = np.random.default_rng(check_int("seed", seed, low=0))
        c = rng.standard_normal(self.n_examples)
        c -= c.mean()
        c *= self.noise / max(c.std(), 1e-12)  # std exactly `noise`, mean exactly 0
        self.c = c
        # stationary points of F: F'(x) = 4x³ − 4x + tilt = 0 (three real roots for small tilt)
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)
        self.deep_min, self.barrier, self.shallow_min = roots if self.tilt >= 0 else roots[::-1]
        self.x_min = self.deep_min
        self.f_min = float(self.f(self.deep_min))

    def f(self, x):
        x = np.asarray(x, dtype=float)
        return (x**2 - 1) ** 2 + self.tilt * x

    def grad(self, x):
        # F'(x) = 4x(x² − 1) + tilt   (the cᵢ average to zero)
        x = np.asarray(x, dtype=float)
        return 4 * x * (x**2 - 1) + self.tilt

    def sample_losses(self, x, idx):
        """ℓᵢ(x) for the examples ``idx``; x shape (R,), idx shape (R, B) -> (R, B)."""
        x = np.asarray(x, dtype=float)[..., None]
        return (x**2 - 1) ** 2 + (self.tilt + self.c[idx]) * x

    def sample_grads(self, x, idx):
        """ℓᵢ'(x) for the examples ``idx``; x shape (R,), idx shape (R, B) -> (R, B)."""
        return self.grad(x)[..., None] + self.c[idx]

    def batch_grad(self, x, idx):
        """The mini-batch gradient: mean of ℓᵢ'(x) over the batch; x (R,), idx (R, B) -> (R,)."""
        return self.grad(x) + self.c[idx].mean(axis=-1)

    def __repr__(self):
        return f"DoubleWell(n_examples={self.n_examples}, tilt={self.tilt:g}, noise={self.noise:g})"


class LeastSquares:
    """Linear regression with the mean squared error: f(w) = mean((X w − y)²).

    X: (n, d) inputs, one example per row; y: (n,) targets; w: (d,) weights.
    ``grad(w, idx)`` averages over the rows ``idx`` only: the mini-batch gradient.
    """

    def __init__(self, X, y):
        self.X = check_array("X", X, ndim=2).astype(float)
        self.y = check_array("y", y, ndim=1).astype(float)
        if len(self.X) != len(self.y):
            raise ValueError(
                f"X and y must have the same number of rows; got X.shape={self.X.shape}, "
                f"y.shape={self.y.shape}"
            )
        if len(self.X) == 0 or self.X.shape[1] == 0:
            raise ValueError(f"X must have at least one row (example) and one column (feature); "
                             f"got X.shape={self.X.shape}")
        self.n_examples, self.n_features = self.X.shape
        self.w_min = np.linalg.lstsq(self.X, self.y, rcond=None)[0]
        self.x_min = self.w_min
        self.f_min = float(self.f(self.w_min))

    def f(self, w, idx=None):
        X, y = self._rows(idx)
        residual = np.asarray(w, dtype=float) @ X.T - y  # ŷ − y, one entry per example
        return np.mean(residual**2, axis=-1)

    def grad(self, w, idx=None):
        # ∇ mean((Xw − y)²) = (2/B) Xᵀ (Xw − y)   over the B rows used
        X, y = self._rows(idx)
        residual = np.asarray(w, dtype=float) @ X.T - y
        return 2.0 * residual @ X / X.shape[0]

    def sample_grads(self, w, idx=None):
        """Per-example gradients 2(xᵢ·w − yᵢ)xᵢ, shape (B, d), for w of shape (d,)."""
        X, y = self._rows(idx)
        residual = X @ np.asarray(w, dtype=float) - y
        return 2.0 * residual[:, None] * X

    def _rows(self, idx):
        if idx is None:
            return self.X, self.y
        return self.X[idx], self.y[idx]

    def __repr__(self):
        return f"LeastSquares(n_examples={self.n_examples}, n_features={self.n_features})"


def make_regression(n: int = 200, d: int = 2, noise: float = 0.5, seed: int = 0):
    """A synthetic regression set y = X w_true + noise.

    Returns X (n, d) standard-normal features, y (n,) targets and w_true (d,).
    """
    n = check_int("n", n, low=1)
    d = check_int("d", d, low=1)
    noise = check_number("noise", noise, low=0)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    w_true = rng.uniform(-2, 2, size=d)
    X = rng.standard_normal((n, d))
    y = X @ w_true + noise * rng.standard_normal(n)
    return X, y, w_true
