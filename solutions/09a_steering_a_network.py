"""Solutions to the exercises of notebook 09a (steering a network)."""

import numpy as np


def update_ratio(W_before, W_after):
    """||W_after - W_before|| / ||W_before|| (Frobenius norms)."""
    return np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before)


def dead_fraction(relu_output):
    """Share of the units (columns) that are 0 for every example (row)."""
    return float(np.mean(np.all(relu_output == 0, axis=0)))


def lr_for_update_ratio(W, grad_W, target):
    """One plain SGD step changes W by lr·||grad_W||; for a ratio `target` to ||W||:
    lr·||grad_W|| / ||W|| = target, so lr = target·||W|| / ||grad_W||."""
    return target * np.linalg.norm(W) / np.linalg.norm(grad_W)
