"""Optimizers: SGD (with momentum, Nesterov, weight decay), RMSProp, Adam and AdamW.

Each optimizer holds (parameter, gradient) pairs, e.g. ``model.parameters()``, and ``step()``
changes the parameters IN PLACE from the gradients stored there. The update rules and the
meaning of every hyperparameter are those of ``torch.optim`` (the tests compare the two), so
what is learnt here carries over to PyTorch. A bare point works too::

    x = np.array([-1.5, 2.0]); g = np.zeros_like(x)
    opt = SGD([(x, g)], lr=0.1, momentum=0.9)
    for _ in range(100):
        g[...] = objective.grad(x)
        opt.step()                     # x changes in place

Notation in the comments: p a parameter, g its gradient, t the step number (from 1).
"""

from __future__ import annotations

import math

import numpy as np

from helpers.kit.checks import check_choice, check_fraction, check_number, check_positive


class Optimizer:
    """Keeps the (param, grad) pairs, the learning rate ``lr`` and a state dict per parameter.

    ``lr`` is a plain attribute: a learning-rate schedule changes it between steps.
    """

    def __init__(self, params, lr: float):
        self.params = _check_params(params)
        self.lr = check_positive("lr", lr)
        self.state: list[dict] = [{} for _ in self.params]
        self.t = 0  # steps taken

    def step(self) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        for _, grad in self.params:
            grad.fill(0)

    def hyperparameters(self) -> dict:
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def _check_params(params) -> list[tuple[np.ndarray, np.ndarray]]:
    if hasattr(params, "parameters"):
        raise TypeError(f"params must be a list of (param, grad) pairs; got a "
                        f"{type(params).__name__}: pass model.parameters()")
    pairs = [tuple(pair) for pair in params]
    for i, pair in enumerate(pairs):
        ok = (len(pair) == 2 and all(isinstance(a, np.ndarray) and a.dtype.kind == "f"
                                     for a in pair) and pair[0].shape == pair[1].shape)
        if not ok:
            raise TypeError(f"params[{i}] must be a (param, grad) pair of float arrays of one "
                            f"shape (a point x as np.array([-1.5, 2.0]), so it can change in "
                            f"place); got {pair!r}")
    return pairs


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (dampening 0):

        g = g + weight_decay · p                          (an L2 penalty in the gradient)
        buf = g at t = 1, else momentum · buf + g         (only when momentum > 0)
        g = g + momentum · buf if nesterov, else buf
        p = p − lr · g
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum = check_fraction("momentum", momentum)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0)
        if nesterov and not self.momentum:
            raise ValueError("nesterov=True needs momentum > 0; got momentum=0")
        self.nesterov = bool(nesterov)

    def step(self) -> None:
        self.t += 1
        for (p, g), state in zip(self.params, self.state):
            if self.weight_decay:
                g = g + self.weight_decay * p  # a new array: the stored gradient stays
            if self.momentum:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = g.copy()  # buf_1 = g_1
                else:
                    buf *= self.momentum  # buf_t = μ buf_{t−1} + g_t
                    buf += g
                g = g + self.momentum * buf if self.nesterov else buf
            step = state.setdefault("step", np.empty_like(p))  # reused: a new weight-sized
            np.multiply(g, self.lr, out=step)  # array every update costs more than the sum
            p -= step  # p ← p − lr · g

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class RMSProp(Optimizer):
    """RMSProp, as torch.optim.RMSprop (not centred, no momentum), v starting at 0:

        v = alpha · v + (1 − alpha) · g²
        p = p − lr · g / (√v + eps)
    """

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.alpha = check_fraction("alpha", alpha)
        self.eps = check_positive("eps", eps)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0)

    def step(self) -> None:
        self.t += 1
        for (p, g), state in zip(self.params, self.state):
            if self.weight_decay:
                g = g + self.weight_decay * p
            v = state.setdefault("square_avg", np.zeros_like(p))
            v *= self.alpha  # v = α v + (1 − α) g²
            v += (1 - self.alpha) * (g * g)
            p -= self.lr * g / (np.sqrt(v) + self.eps)

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps,
                "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (no AMSGrad): momentum (m) and RMSProp scaling (v), both
    bias-corrected; m and v start at 0, t counts from 1:

        g = g + weight_decay · p                 (L2 in the gradient; AdamW decouples it)
        m = beta1 · m + (1 − beta1) · g
        v = beta2 · v + (1 − beta2) · g²
        p = p − lr · m̂ / (√v̂ + eps),   m̂ = m / (1 − beta1^t),   v̂ = v / (1 − beta2^t)
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), e.g. (0.9, 0.999); got "
                            f"{betas!r}")
        self.betas = (check_fraction("betas[0]", betas[0]), check_fraction("betas[1]", betas[1]))
        self.eps = check_positive("eps", eps)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0)

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.t)  # lr / (1 − β1^t): m̂ folded into the step
        sqrt_bc2 = math.sqrt(1 - beta2**self.t)  # √v̂ = √v / √(1 − β2^t)
        for (p, g), state in zip(self.params, self.state):
            g = self._gradient(p, g)
            m = state.setdefault("exp_avg", np.zeros_like(p))
            v = state.setdefault("exp_avg_sq", np.zeros_like(p))
            m *= beta1  # m = β1 m + (1 − β1) g
            m += (1 - beta1) * g
            v *= beta2  # v = β2 v + (1 − β2) g²
            v += (1 - beta2) * (g * g)
            p -= step_size * m / (np.sqrt(v) / sqrt_bc2 + self.eps)

    def _gradient(self, p, g):
        return g + self.weight_decay * p if self.weight_decay else g

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: decoupled weight decay. First every weight shrinks by the
    factor 1 − lr · weight_decay, then Adam steps on the plain gradient:

        p = p − lr · weight_decay · p
        m, v, p: Adam's update with g (no weight_decay · p in it)

    (In Adam an L2 term enters g and is then divided by √v̂: weights with large gradients are
    barely decayed. Note the decay is lr · weight_decay: changing lr changes the decay too.)
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def step(self) -> None:
        for p, _ in self.params:
            p *= 1 - self.lr * self.weight_decay  # p = p − lr · λ · p
        super().step()

    def _gradient(self, p, g):
        return g  # the decay is not in the gradient


OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw")


def make_optimizer(name: str, params, lr: float, **hyper) -> Optimizer:
    """An optimizer by name, one of ``OPTIMIZERS``. "momentum" is SGD with momentum 0.9 and
    "nesterov" SGD with momentum 0.9 and nesterov=True, unless ``hyper`` says otherwise."""
    check_choice("name", name, OPTIMIZERS)
    if name == "momentum":
        hyper = {"momentum": 0.9, **hyper}
    elif name == "nesterov":
        hyper = {"momentum": 0.9, "nesterov": True, **hyper}
    cls = {"rmsprop": RMSProp, "adam": Adam, "adamw": AdamW}.get(name, SGD)
    return cls(params, lr, **hyper)
