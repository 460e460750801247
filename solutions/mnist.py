"""Solution of the exercise of notebook 06 (training a network on MNIST)."""

import numpy as np


def softmax_ce_grad(Z, y):
    """dL/dZ of the mean softmax cross-entropy: Z (n, k) logits, y (n,) labels -> (n, k)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # shifted: exp never overflows
    P = E / E.sum(axis=1, keepdims=True)  # softmax, row by row
    P[np.arange(len(y)), y] -= 1  # P − onehot(y)
    return P / len(y)  # the mean over the n examples
