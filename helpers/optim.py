"""Optimizers: SGD (with momentum, Nesterov, weight decay), AdaGrad, RMSProp, Adam and AdamW.

Each optimizer holds (parameter, gradient) pairs, e.g. ``model.parameters()``, and ``step()``
changes the parameters IN PLACE from the gradients currently stored. The update rules and the
meaning of every hyperparameter are those of ``torch.optim`` (tests compare the two), so what
is learnt here carries over to PyTorch. The same classes move a bare point too::

    x = np.array([-1.5, 2.0]); g = np.zeros_like(x)
    opt = SGD([(x, g)], lr=0.1, momentum=0.9)
    for _ in range(100):
        g[...] = objective.grad(x)
        opt.step()                     # x changes in place

Notation in the comments: p parameter, g gradient, t step number (from 1).
"""

from __future__ import annotations

import math

import numpy as np

from helpers.validate import check_choice, check_fraction, check_lr, check_positive_number


class Optimizer:
    """Base class: keeps the (param, grad) pairs, the learning rate ``lr`` and per-param state.

    params: list of (param, grad) pairs of float arrays with equal shapes; lr: learning rate.
    ``lr`` is a plain attribute: a learning-rate schedule changes it between steps.
    """

    def __init__(self, params, lr: float):
        self.params = _check_params(params)
        self.lr = check_lr(lr)
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.t = 0  # number of steps taken

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Set every gradient to 0 (in place)."""
        for _, grad in self.params:
            grad.fill(0)

    def hyperparameters(self) -> dict:
        """The hyperparameters by name, in the order ``repr`` shows them."""
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def _check_params(params) -> list[tuple[np.ndarray, np.ndarray]]:
    """params must be a list of (param, grad) pairs of float arrays of equal shape."""
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(
            f"params must be a list of (param, grad) pairs; got a {type(params).__name__}: "
            "pass model.parameters()"
        )
    try:
        pairs = [tuple(pair) for pair in params]
    except TypeError:
        raise TypeError(
            f"params must be a list of (param, grad) pairs, e.g. model.parameters(); "
            f"got {type(params).__name__}"
        ) from None
    for i, pair in enumerate(pairs):
        if len(pair) != 2 or not all(isinstance(a, np.ndarray) for a in pair):
            raise TypeError(
                f"params[{i}] must be a (param, grad) pair of numpy arrays (a point x must be an "
                f"array such as np.array([-1.5, 2.0]), so it can change in place); got {pair!r}"
            )
        param, grad = pair
        if param.dtype.kind != "f" or grad.dtype.kind != "f":
            raise TypeError(
                f"params[{i}] must hold floats; got param dtype {param.dtype} and grad dtype "
                f"{grad.dtype} (use np.array(..., dtype=float))"
            )
        if param.shape != grad.shape:
            raise ValueError(
                f"params[{i}]: param and grad must have the same shape; "
                f"got {param.shape} and {grad.shape}"
            )
    return pairs


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov momentum, weight decay.

    As torch.optim.SGD, for each parameter p with gradient g:
        g = g + weight_decay * p                        (L2 penalty)
        buf = g at t = 1, else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov, else g = buf    (only when momentum > 0)
        p = p - lr * g
    lr > 0; momentum in [0, 1); dampening in [0, 1]; weight_decay >= 0;
    nesterov needs momentum > 0 and dampening = 0.
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum = check_fraction("momentum", momentum)
        self.dampening = check_fraction("dampening", dampening, inclusive_high=True)
        self.weight_decay = check_positive_number("weight_decay", weight_decay, allow_zero=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0; "
                f"got momentum={self.momentum!r}, dampening={self.dampening!r}"
            )
        self.nesterov = bool(nesterov)

    def step(self) -> None:
        self.t += 1
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for (p, g), state in zip(self.params, self.state):
            if wd:
                g = g + wd * p  # g <- g + wd * p (a new array: the stored gradient stays)
            if mu:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = g.copy()  # buf_1 = g_1
                else:
                    buf *= mu  # buf_t = mu * buf_{t-1} + (1 - dampening) * g_t
                    buf += (1 - self.dampening) * g
                g = g + mu * buf if self.nesterov else buf  # Nesterov looks one step ahead
            p -= lr * g  # p <- p - lr * g

    def hyperparameters(self) -> dict:
        hyper = {"lr": self.lr, "momentum": self.momentum}
        if self.dampening:
            hyper["dampening"] = self.dampening
        hyper.update(nesterov=self.nesterov, weight_decay=self.weight_decay)
        return hyper


class RMSProp(Optimizer):
    """RMSProp: divide each step by a running root-mean-square of the gradient.

    As torch.optim.RMSprop (centered=False), with v and buf starting at 0:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        p = p - lr * g / (sqrt(v) + eps)                    when momentum = 0
        buf = momentum * buf + g / (sqrt(v) + eps); p = p - lr * buf   otherwise
    lr > 0; alpha in [0, 1); eps > 0; weight_decay >= 0; momentum in [0, 1).
    """

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0):
        super().__init__(params, lr)
        self.alpha = check_fraction("alpha", alpha)
        self.eps = _check_eps(eps)
        self.weight_decay = check_positive_number("weight_decay", weight_decay, allow_zero=True)
        self.momentum = check_fraction("momentum", momentum)

    def step(self) -> None:
        self.t += 1
        lr, alpha, eps, wd, mu = self.lr, self.alpha, self.eps, self.weight_decay, self.momentum
        for (p, g), state in zip(self.params, self.state):
            if wd:
                g = g + wd * p
            if "square_avg" not in state:
                state["square_avg"] = np.zeros_like(p)
            v = state["square_avg"]
            v *= alpha  # v = alpha * v + (1 - alpha) * g^2
            v += (1 - alpha) * (g * g)
            scaled_g = g / (np.sqrt(v) + eps)  # g / (sqrt(v) + eps)
            if mu:
                buf = state.setdefault("momentum_buffer", np.zeros_like(p))
                buf *= mu  # buf = mu * buf + g / (sqrt(v) + eps)
                buf += scaled_g
                scaled_g = buf
            p -= lr * scaled_g

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "alpha": self.alpha, "eps": self.eps,
                "weight_decay": self.weight_decay, "momentum": self.momentum}


class Adam(Optimizer):
    """Adam: momentum on the gradient (m) and RMSProp scaling (v), both bias-corrected.

    As torch.optim.Adam (amsgrad=False), with m and v starting at 0 and t counting from 1:
        g = g + weight_decay * p                    (L2 penalty, not AdamW's decoupled decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    lr > 0; betas: two numbers in [0, 1); eps > 0; weight_decay >= 0.
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), e.g. (0.9, 0.999); "
                            f"got {betas!r}")
        self.betas = (check_fraction("betas[0]", betas[0]), check_fraction("betas[1]", betas[1]))
        self.eps = _check_eps(eps)
        self.weight_decay = check_positive_number("weight_decay", weight_decay, allow_zero=True)

    def step(self) -> None:
        self.t += 1
        lr, eps, wd, t = self.lr, self.eps, self.weight_decay, self.t
        beta1, beta2 = self.betas
        step_size = lr / (1 - beta1**t)  # bias correction of m: divide by 1 - beta1^t
        sqrt_bc2 = math.sqrt(1 - beta2**t)  # bias correction of v: divide by 1 - beta2^t
        for (p, g), state in zip(self.params, self.state):
            if wd:
                g = g + wd * p
            if "exp_avg" not in state:
                state["exp_avg"] = np.zeros_like(p)
                state["exp_avg_sq"] = np.zeros_like(p)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1  # m = beta1 * m + (1 - beta1) * g
            m += (1 - beta1) * g
            v *= beta2  # v = beta2 * v + (1 - beta2) * g^2
            v += (1 - beta2) * (g * g)
            p -= step_size * m / (np.sqrt(v) / sqrt_bc2 + eps)

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps,
                "weight_decay": self.weight_decay}


class AdaGrad(Optimizer):
    """AdaGrad: divide each step by the root of the SUM of all past squared gradients.

    As torch.optim.Adagrad, with the sum starting at initial_accumulator_value:
        g = g + weight_decay * p
        sum = sum + g^2
        p = p - lr_t * g / (sqrt(sum) + eps),   lr_t = lr / (1 + (t - 1) * lr_decay)
    The sum only grows, so every coordinate's step shrinks for good: about lr/sqrt(t) for a
    gradient of steady size. lr > 0; lr_decay, weight_decay, initial_accumulator_value >= 0;
    eps > 0.
    """

    def __init__(self, params, lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        super().__init__(params, lr)
        self.lr_decay = check_positive_number("lr_decay", lr_decay, allow_zero=True)
        self.weight_decay = check_positive_number("weight_decay", weight_decay, allow_zero=True)
        self.initial_accumulator_value = check_positive_number(
            "initial_accumulator_value", initial_accumulator_value, allow_zero=True)
        self.eps = _check_eps(eps)

    def step(self) -> None:
        self.t += 1
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)  # lr_t
        for (p, g), state in zip(self.params, self.state):
            if self.weight_decay:
                g = g + self.weight_decay * p
            if "sum" not in state:
                state["sum"] = np.full_like(p, self.initial_accumulator_value)
            total = state["sum"]
            total += g * g  # sum = sum + g^2: never shrinks
            p -= clr * g / (np.sqrt(total) + self.eps)

    def hyperparameters(self) -> dict:
        return {"lr": self.lr, "lr_decay": self.lr_decay, "weight_decay": self.weight_decay,
                "initial_accumulator_value": self.initial_accumulator_value, "eps": self.eps}


class AdamW(Adam):
    """AdamW: Adam with DECOUPLED weight decay (Loshchilov & Hutter).

    As torch.optim.AdamW (amsgrad=False): first shrink the weights, then take Adam's step on the
    plain gradient, which never sees the decay:
        p = p - lr * weight_decay * p
        m, v, p: Adam's update with g (no weight_decay * p added to g)
    In Adam, an L2 penalty enters g and is then divided by sqrt(v): weights with large gradients
    are barely decayed. Here every weight shrinks by the same factor 1 - lr * weight_decay.
    lr > 0; betas in [0, 1); eps > 0; weight_decay >= 0 (default 0.01, as in torch).
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def step(self) -> None:
        decay = 1 - self.lr * self.weight_decay
        for p, _ in self.params:
            p *= decay  # p <- p - lr * weight_decay * p
        wd, self.weight_decay = self.weight_decay, 0.0  # Adam's step on the plain gradient
        try:
            super().step()
        finally:
            self.weight_decay = wd


def _check_eps(eps) -> float:
    """eps > 0: where a gradient is exactly 0, g / (sqrt(v) + eps) would be 0/0 = NaN with eps = 0
    (torch allows eps = 0; here it is refused, so that a NaN is never blamed on the lr)."""
    if isinstance(eps, (int, float)) and not isinstance(eps, bool) and eps == 0:
        raise ValueError("eps must be a positive finite number (with eps = 0, a zero gradient "
                         f"makes the step 0/0 = NaN); got {eps!r}")
    return check_positive_number("eps", eps)


OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad", "adamw")


def make_optimizer(name: str, params, lr: float, **hyper) -> Optimizer:
    """Build an optimizer by name: one of ``OPTIMIZERS``.

    "momentum" is SGD with momentum=0.9 and "nesterov" SGD with momentum=0.9, nesterov=True,
    unless ``hyper`` says otherwise. Other hyperparameters are passed on by keyword.
    """
    name = check_choice("name", name, OPTIMIZERS)
    if name == "momentum":
        hyper = {"momentum": 0.9, **hyper}
    elif name == "nesterov":
        hyper = {"momentum": 0.9, "nesterov": True, **hyper}
    cls = {"rmsprop": RMSProp, "adam": Adam, "adagrad": AdaGrad, "adamw": AdamW}.get(name, SGD)
    allowed = _keyword_names(cls)
    for key in hyper:
        if key not in allowed:
            raise TypeError(
                f"{key!r} is not a hyperparameter of optimizer {name!r}; allowed: "
                + ", ".join(allowed)
            )
    return cls(params, lr, **hyper)


def _keyword_names(cls) -> list[str]:
    code = cls.__init__.__code__
    return [n for n in code.co_varnames[: code.co_argcount] if n not in ("self", "params", "lr")]
