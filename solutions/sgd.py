"""Solutions to the exercises of notebook 03 (stochastic gradient descent)."""


def minibatch_gradient(X, y, w, idx):
    """Gradient of mean((X w − y)²) over the rows ``idx`` only: shape (d,)."""
    X_b, y_b = X[idx], y[idx]
    residual = X_b @ w - y_b  # ŷ − y on the batch
    return 2 * X_b.T @ residual / len(idx)  # (2/B) X_Bᵀ (X_B w − y_B)


def minibatch_variance(sigma2, n_examples, batch_size):
    """Variance of the mean of ``batch_size`` distinct examples out of ``n_examples``."""
    return sigma2 / batch_size * (n_examples - batch_size) / (n_examples - 1)
