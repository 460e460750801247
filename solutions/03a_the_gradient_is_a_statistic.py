"""Solutions to the exercises of notebook 03a (the gradient is a statistic)."""

import math


def minibatch_gradient(X, y, w, idx):
    """Gradient of mean((X w − y)²) over the rows ``idx`` only: shape (d,)."""
    X_b, y_b = X[idx], y[idx]
    residual = X_b @ w - y_b  # ŷ − y on the batch
    return 2 * X_b.T @ residual / len(idx)  # (2/B) X_Bᵀ (X_B w − y_B)


def minibatch_variance(sigma2, n_examples, batch_size):
    """Variance of the mean of ``batch_size`` distinct examples out of ``n_examples``."""
    return sigma2 / batch_size * (n_examples - batch_size) / (n_examples - 1)


def batch_size_for_variance(sigma2, n_examples, target):
    """The smallest batch size B (1 … N) whose mini-batch variance is at most ``target``.

    σ²/B · (N − B)/(N − 1) ≤ t  ⇔  σ²(N − B) ≤ t (N − 1) B  ⇔  B ≥ σ² N / (t (N − 1) + σ²).
    """
    return max(1, math.ceil(sigma2 * n_examples / (target * (n_examples - 1) + sigma2)))


# Using it (section 3): at w0, sigma² = variance["sigma2"] ≈ 100 and the full gradient has length
# |∇f(w0)| = np.linalg.norm(full) ≈ 6.8. A noise standard deviation of a tenth of that length is a
# variance of 0.01·|∇f|², about 0.46:
#     b = batch_size_for_variance(variance["sigma2"], problem.n_examples, 0.01 * full @ full)
# gives a batch of 104 of the 200 examples, where the 1/B law alone would ask for about 215, more
# than the data set holds: near B = N the correction for distinct examples matters.
# sgd.gradient_variance(problem, sgd.W0, [b])["measured"] gives about 0.48, the target within the
# few per cent of Monte Carlo error of 2,000 batches.
