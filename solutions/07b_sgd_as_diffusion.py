"""Solutions to the exercises of notebook 07b (SGD as diffusion)."""

import numpy as np

from helpers.theory import kramers_escape_time, sgd_temperature


def escaped_by_step(escaped_at, num_steps):
    """Share of runs with 0 <= escaped_at <= t, for t = 0 … num_steps (-1 means never)."""
    escaped_at = np.asarray(escaped_at)
    t = np.arange(num_steps + 1)
    escaped = (escaped_at[:, None] >= 0) & (escaped_at[:, None] <= t)
    return escaped.mean(axis=0)


def lr_for_mean_wait(well, wait_steps, batch_size, sigma2):
    """The learning rate at which Kramers' law predicts a mean wait of wait_steps steps.

    The wait in steps, τ(T)/lr with T = lr·σ²/B·(N − B)/(N − 1), falls as lr grows: bisect.
    """
    def wait(lr):
        T = sgd_temperature(lr, batch_size, well.n_examples, sigma2)
        return kramers_escape_time(well, T) / lr  # τ is a time lr·t: steps = τ / lr

    low, high = 0.001, 1.0
    for _ in range(60):
        mid = np.sqrt(low * high)  # halve the interval on a log scale
        if wait(mid) > wait_steps:
            low = mid  # waits too long: the answer is a larger lr
        else:
            high = mid
    return float(np.sqrt(low * high))
