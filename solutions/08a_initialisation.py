"""Solutions to the exercises of notebook 08a (initialisation)."""

import numpy as np


def he_std(fan_in):
    """The standard deviation of He's initialisation for a ReLU layer with fan_in inputs."""
    return np.sqrt(2 / fan_in)  # Var(w) = 2 / fan_in: a ReLU keeps half of the signal's power


def predicted_gradient_ratio(depth, fan_in, std, slope_sq):
    """||dL/dW_first|| / ||dL/dW_last|| that the factor per layer predicts.

    Each of the depth - 1 layers between the last Linear layer and the first multiplies the
    variance of the gradient by fan_in · std² · E[f'²] (slope_sq); a norm scales like the square
    root of a variance.
    """
    factor = fan_in * std**2 * slope_sq  # in variance, per layer passed
    return factor ** ((depth - 1) / 2)  # in norm, over depth - 1 layers
