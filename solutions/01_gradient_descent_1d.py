"""Solutions to the exercises of notebook 01 (gradient descent in 1-D)."""


def gd_step(x, lr):
    """One GD step on f(x) = x²: x − lr·f'(x) with f'(x) = 2x."""
    return x - lr * 2 * x


def stable_lr_bound(a):
    """GD on a·x² multiplies x by 1 − 2a·lr; |1 − 2a·lr| ≤ 1 while lr ≤ 1/a."""
    return 1.0 / a
