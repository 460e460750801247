"""Solutions to the exercises of deep dive D3 (noise, escape and diffusion)."""

import math

import numpy as np

from helpers.topics.diffusion import kramers_escape_time, temperature


def fraction_in_deep_basin(x_final, well):
    """Share of all runs whose final x lies on the deep minimum's side of the barrier.

    A diverged run (NaN) counts as a run, not in the deep basin: NaN < b is False.
    """
    x_final = np.asarray(x_final, dtype=float)
    deep = x_final < well.barrier if well.deep_min < well.barrier else x_final > well.barrier
    return float(np.mean(deep))


def lr_for_mean_wait(well, wait_steps, batch_size, sigma2):
    """The lr in [0.001, 1] at which Kramers' law predicts a mean wait of wait_steps steps, to a
    relative precision of 1e-6; None if no lr in that range gives it."""
    def wait(lr):  # Kramers' mean wait in steps: the time τ = lr·t divided by lr
        T = temperature(lr, batch_size, well.n_examples, sigma2)
        return kramers_escape_time(well, T) / lr

    low, high = 0.001, 1.0
    if not wait(high) <= wait_steps <= wait(low):  # the wait falls as lr grows
        return None
    while high / low > 1 + 1e-7:
        mid = math.sqrt(low * high)  # halve the interval on a log scale
        if wait(mid) > wait_steps:
            low = mid  # waits too long: the answer is a larger lr
        else:
            high = mid
    return math.sqrt(low * high)
