"""Solutions to the exercises of notebook 04b (the cost of a gradient and softmax)."""

import numpy as np


def softmax_ce_grad(Z, y):
    """dL/dZ of L = mean_i(-log softmax(Z)_{i, y_i}): Z (n, k) logits, y (n,) labels -> (n, k)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # shift each row: softmax unchanged, no overflow
    P = E / E.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1  # P − onehot(y)
    return P / len(y)  # the loss is a mean over the n examples


def gradient_costs(sizes, batch_size):
    """Multiply-adds of one gradient of an MLP with layer widths ``sizes`` on ``batch_size``
    examples: returns (backprop, finite_differences)."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(batch_size * n_in * n_out for n_in, n_out in pairs)  # X W in every layer
    backprop = forward + 2 * forward  # backward: Xᵀ dY and dY Wᵀ, each as large as X W
    params = sum((n_in + 1) * n_out for n_in, n_out in pairs)  # weights and biases
    finite_differences = 2 * params * forward  # 2 forward passes per parameter
    return backprop, finite_differences


# Using it: the ratio finite_differences / backprop is 2P/3 whatever the batch size (both counts
# are proportional to it): for [784, 128, 10], P = 101,770, so about 67,847 with a batch of 1 and
# with a batch of 64 alike. For [784, h, 10], P = 795 h + 10, and 2P/3 > 1,000,000 first holds
# at h = 1887 (P = 1,500,175).
