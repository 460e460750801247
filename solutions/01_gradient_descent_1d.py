"""Solutions to the exercises of notebook 01 (gradient descent in 1-D)."""


def gd_step(x, lr):
    """One GD step on f(x) = x²: x − lr·f'(x) with f'(x) = 2x."""
    return x - lr * 2 * x


def stable_lr_bound(a):
    """GD on a·x² multiplies x by 1 − 2a·lr; |1 − 2a·lr| ≤ 1 while lr ≤ 1/a."""
    return 1.0 / a


def steps_to_tolerance(lr, x0, tol, max_steps):
    """GD steps on f(x) = x² from x0 until |x_t| ≤ tol for the first time (0 if |x0| ≤ tol).

    Returns None if GD does not get there within max_steps steps (too slow, or |1 − 2·lr| ≥ 1).
    """
    x = x0
    for t in range(max_steps + 1):
        if abs(x) <= tol:
            return t
        x = x - lr * 2 * x  # one GD step, f'(x) = 2x
    return None
