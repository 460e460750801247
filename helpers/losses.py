"""Losses with their gradients, and softmax and accuracy.

A loss sits at the top of the network like a layer: ``loss = loss_fn.forward(y_hat, y)``
returns a float (the mean over the batch) and keeps what ``loss_fn.backward()`` needs to
return dL/dy_hat, which has the shape of ``y_hat``.
"""

from __future__ import annotations

import numpy as np


class MSELoss:
    """Mean squared error L = mean((y_hat − y)²) over all entries (text C's equation 5)."""

    def forward(self, y_hat, y) -> float:
        """y_hat, y: arrays of one shape, e.g. (B, n_out) -> the loss, a float."""
        if np.shape(y_hat) != np.shape(y):  # (B, 1) − (B,) would broadcast to (B, B)
            raise ValueError(f"y_hat and y must have the same shape; got y_hat.shape="
                             f"{np.shape(y_hat)} and y.shape={np.shape(y)} (e.g. y.reshape(-1, 1))")
        self.diff = y_hat - y
        return float(np.mean(self.diff * self.diff))

    def backward(self):
        return self.diff * (2 / self.diff.size)  # dL/dy_hat = 2 (y_hat − y) / size

    def __repr__(self) -> str:
        return "MSELoss()"


class SoftmaxCrossEntropy:
    """Softmax then cross-entropy, in one numerically stable step.

    For logits Z (B, K) and true classes y (B,):  L = mean_i [ log Σ_k exp(Z_ik) − Z_{i, y_i} ].
    Each row is shifted by its maximum first (softmax does not change), so exp never overflows.
    """

    def forward(self, logits, y) -> float:
        """logits (B, K), y (B,) integer labels 0..K−1 -> the mean loss, a float."""
        z = logits - logits.max(axis=1, keepdims=True)  # shift: every exp(z) <= 1
        exp_z = np.exp(z)
        sum_exp = exp_z.sum(axis=1)  # >= 1: the largest z is 0
        rows = np.arange(len(y))
        self.probs = exp_z / sum_exp[:, None]  # P = softmax(Z), kept for backward
        self.y, self.rows = y, rows
        return float((np.log(sum_exp) - z[rows, y]).sum()) / len(y)  # mean of log Σ exp − z_y

    def backward(self):
        dlogits = self.probs.copy()
        dlogits[self.rows, self.y] -= 1  # dL/dZ = (P − onehot(y)) / B
        dlogits /= len(self.y)
        return dlogits

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


def softmax(logits):
    """exp(z) / Σ exp(z) along the last axis, shifted so that it cannot overflow."""
    z = logits - np.max(logits, axis=-1, keepdims=True)
    exp_z = np.exp(z)
    return exp_z / exp_z.sum(axis=-1, keepdims=True)


def accuracy(logits, y) -> float:
    """The fraction of rows whose largest entry sits at the true class: logits (B, K), y (B,)."""
    return float(np.mean(np.argmax(logits, axis=1) == y))
