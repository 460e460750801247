"""Solution to the exercise of deep dive D4 (initialisation and regularisation)."""


def predicted_gradient_ratio(depth, fan_in, std, slope_sq):
    """||dL/dW_first|| / ||dL/dW_last|| that the factor per layer predicts.

    Each of the depth - 1 layers between the last Linear layer and the first multiplies the
    mean square of the gradient by fan_in · std² · E[f'²] (slope_sq); a norm scales like the
    square root of a mean square.
    """
    factor = fan_in * std**2 * slope_sq  # in mean square, per layer passed
    return factor ** ((depth - 1) / 2)  # in norm, over depth - 1 layers

