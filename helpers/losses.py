"""Loss functions with their gradients, plus softmax and accuracy.

A loss object works like a layer at the end of the network: ``loss = loss_fn.forward(y_hat, y)``
returns a Python float (the mean over the batch) and keeps what ``loss_fn.backward()`` needs to
return dL/dy_hat, which has the shape of ``y_hat``.
"""

from __future__ import annotations

import numpy as np

from helpers.validate import check_array, check_labels, check_same_length


class MSELoss:
    """Mean squared error L = mean((y_hat - y)^2) over all elements (equation 5 of text C)."""

    diff = None  # y_hat - y, set by forward

    def forward(self, y_hat: np.ndarray, y: np.ndarray) -> float:
        """y_hat, y: arrays of the same shape, e.g. (n_examples, n_outputs) -> loss (float)."""
        if np.shape(y_hat) != np.shape(y):  # broadcasting (n, 1) against (n,) would give (n, n)
            raise ValueError(
                f"y_hat and y must have the same shape; got y_hat.shape={np.shape(y_hat)} and "
                f"y.shape={np.shape(y)} (reshape y, e.g. y.reshape(-1, 1))"
            )
        try:
            self.diff = y_hat - y
        except TypeError:
            raise TypeError(f"y_hat and y must be arrays of numbers; got {type(y_hat).__name__} "
                            f"and {type(y).__name__}") from None
        if self.diff.size == 0:
            raise ValueError(f"y_hat and y must hold at least one value; got shape "
                             f"{np.shape(y_hat)}")
        return float(np.mean(self.diff * self.diff))

    def backward(self) -> np.ndarray:
        """dL/dy_hat = 2 (y_hat - y) / size, same shape as y_hat."""
        if self.diff is None:
            raise _backward_first(self)
        return self.diff * (2 / self.diff.size)

    def __repr__(self) -> str:
        return "MSELoss()"


class SoftmaxCrossEntropy:
    """Softmax followed by cross-entropy, in one numerically stable step.

    For logits z (one row per example) and the true class y of each row:
        L = mean_i [ log(sum_j exp(z_ij)) - z_{i, y_i} ]
    computed with the log-sum-exp shift (subtract each row's maximum first), so logits of any
    size, even 1e4, give a finite loss and gradient.
    """

    probs = None  # softmax of the logits, set by forward

    def forward(self, logits: np.ndarray, y: np.ndarray) -> float:
        """logits (n, k) floats, y (n,) integer labels in 0..k-1 -> mean loss (float)."""
        logits, y = _check_logits_labels(logits, y)
        z = logits - logits.max(axis=1, keepdims=True)  # shift: softmax is unchanged, exp <= 1
        probs = np.exp(z)
        sum_exp = probs.sum(axis=1)  # >= 1, because the largest shifted logit gives exp(0) = 1
        rows = np.arange(len(y))
        z_true = z[rows, y]  # z_{i, y_i}: the logit of the true class
        probs /= sum_exp[:, None]  # softmax = exp(z) / sum_j exp(z_j), kept for backward
        self.probs, self.y, self.rows = probs, y, rows
        loss_per_example = np.log(sum_exp) - z_true  # log-sum-exp minus the true logit
        return float(loss_per_example.sum()) / len(y)  # the mean over the n examples

    def backward(self) -> np.ndarray:
        """dL/dlogits = (softmax(logits) - onehot(y)) / n, shape (n, k)."""
        if self.probs is None:
            raise _backward_first(self)
        dlogits = self.probs.copy()
        dlogits[self.rows, self.y] -= 1  # p - onehot(y)
        dlogits /= len(self.y)  # the loss is a mean over n examples
        return dlogits

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


def _backward_first(loss_fn) -> RuntimeError:
    return RuntimeError(f"{loss_fn!r}: call forward(y_hat, y) before backward(); backward needs "
                        "what the forward pass keeps")


def _check_logits_labels(logits, y, name: str = "logits") -> tuple[np.ndarray, np.ndarray]:
    """Cheap checks (one pass over y only): logits 2-D numbers, y labels 0..k-1, same length.

    A negative label would silently wrap around to the last class, hence the range check.
    """
    logits = np.asarray(logits)
    if logits.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be an array of numbers; got dtype {logits.dtype}")
    if logits.ndim != 2 or logits.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (n_examples, n_classes); got shape {logits.shape}"
        )
    y = check_labels("y", y, logits.shape[1])
    check_same_length(logits, y, (name, "y"))
    return logits, y


def softmax(logits) -> np.ndarray:
    """Probabilities exp(z) / sum(exp(z)) along the last axis; same shape as logits, stable."""
    logits = check_array("logits", logits)  # inf - inf in the shift below would give NaN
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have at least one entry along the last axis; got shape "
                         f"{logits.shape}")
    z = logits - logits.max(axis=-1, keepdims=True)  # shift so that exp cannot overflow
    exp_z = np.exp(z)
    return exp_z / exp_z.sum(axis=-1, keepdims=True)


def accuracy(logits_or_probs, y) -> float:
    """Fraction of rows whose largest entry is at the true class y.

    logits_or_probs: (n, k), logits or probabilities (the argmax is the same); y: (n,) labels.
    Returns a float from 0 to 1.
    """
    scores, y = _check_logits_labels(logits_or_probs, y, "logits_or_probs")
    return float(np.mean(scores.argmax(axis=1) == y))
