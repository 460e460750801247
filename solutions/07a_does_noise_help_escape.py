"""Solutions to the exercises of notebook 07a (does noise help escape?)."""

import numpy as np


def sgd_noise_scale(lr, batch_size, n_examples):
    """lr/B · (N − B)/(N − 1): B distinct examples out of N per step."""
    return lr / batch_size * (n_examples - batch_size) / (n_examples - 1)


def fraction_in_deep_basin(x_final, well):
    """Share of the final iterates on the deep minimum's side of the barrier."""
    x_final = np.asarray(x_final)
    if well.deep_min < well.barrier:
        return float(np.mean(x_final < well.barrier))
    return float(np.mean(x_final > well.barrier))


def first_escape_step(paths, well):
    """The first step t at which each run is halfway down into the deep basin; -1 if never.

    paths: (T + 1, R) the iterates x_0 … x_T of R runs (NaN after a run diverged); returns (R,).
    """
    into_deep = (well.barrier + well.deep_min) / 2  # halfway from the barrier to the deep minimum
    if well.deep_min < well.barrier:
        deep = paths < into_deep  # NaN compares as False: a diverged run is never deep
    else:
        deep = paths > into_deep
    first = np.argmax(deep, axis=0)  # the first True in each column (0 if there is none)
    return np.where(deep.any(axis=0), first, -1)
