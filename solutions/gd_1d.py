"""Solutions to the exercises of notebook 01 (gradient descent)."""


def gd_steps_to_tol(lr, x0, tol, max_steps):
    """GD steps on f(x) = x² from x0 until |x_t| <= tol for the first time (0 if |x0| <= tol).

    Returns None if GD does not get there within max_steps steps (too slow, or |1 − 2·lr| >= 1);
    a run that gets there at step max_steps itself counts.
    """
    x = x0
    for t in range(max_steps + 1):  # t = 0, 1, ..., max_steps: x is x_t
        if abs(x) <= tol:
            return t
        x = x - lr * 2 * x  # one GD step, f'(x) = 2x
    return None
