"""Solutions to the exercises of notebook 05a (training a network on MNIST)."""

import numpy as np


def updates_per_epoch(n_examples, batch_size):
    """Updates in one epoch of mini-batches: ⌈n_examples / batch_size⌉ (the last may be smaller)."""
    return -(-n_examples // batch_size)  # ceiling division with integers only


def accuracy_from_logits(logits, y):
    """Fraction of rows whose largest logit is at the true class: logits (n, k), y (n,)."""
    predicted = np.argmax(logits, axis=1)  # one predicted class per row
    return float(np.mean(predicted == y))


def accuracy_in_batches(predict, X, y, batch_size):
    """Accuracy of predict (rows (b, d) -> logits (b, k)) on X (n, d), y (n,), batch by batch."""
    correct = 0
    for start in range(0, len(X), batch_size):  # the last batch may be smaller
        logits = predict(X[start:start + batch_size])
        correct += int(np.sum(np.argmax(logits, axis=1) == y[start:start + batch_size]))
    return correct / len(X)  # every row counts the same, whatever batch it was in
