"""Solutions to the exercises of notebook 02 (gradient descent in 2-D)."""


def best_lr_bowl(lam_min, lam_max):
    """lr with |1 − lr·λ_min| = |1 − lr·λ_max|, i.e. 1 − lr·λ_min = lr·λ_max − 1."""
    return 2.0 / (lam_min + lam_max)


def contraction_factor(kappa):
    """|1 − lr·λ_min| at lr = 2/(λ_min + λ_max), with λ_max = κ·λ_min: (κ − 1)/(κ + 1)."""
    return (kappa - 1.0) / (kappa + 1.0)
