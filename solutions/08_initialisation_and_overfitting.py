"""Solutions to the exercises of notebook 08, training deep networks well."""

import numpy as np


def he_std(fan_in):
    """The standard deviation of He's initialisation for a ReLU layer with fan_in inputs."""
    return np.sqrt(2 / fan_in)  # Var(w) = 2 / fan_in: a ReLU keeps half of the signal's power


def dropout_forward_backward(X, dY, keep, p):
    """Inverted dropout with keep-mask ``keep`` (True: kept) and drop probability p: (Y, dX)."""
    scale = keep / (1 - p)  # kept entries scaled by 1/(1 - p), so E[Y] = X
    return X * scale, dY * scale  # dY/dX is the same constant, entry by entry
