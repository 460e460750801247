"""Learning-rate schedules: change ``optimizer.lr`` as training goes on.

Same meanings as ``torch.optim.lr_scheduler`` (tests compare the values). A schedule remembers
the optimizer's learning rate when it is made (``base_lr``), sets ``optimizer.lr = lr_at(0)``
at once, and each ``step()`` moves on by one and sets ``optimizer.lr = lr_at(t)``. ``lr_at(t)``
is a pure formula, so ``lr_curve(schedule, num_steps)`` can plot a schedule without running it.
Call ``step()`` after ``optimizer.step()``, once per update step (or once per epoch: t then
counts epochs).
"""

from __future__ import annotations

import math

import numpy as np

from helpers.validate import check_fraction, check_int, check_lr, check_positive_number


class Schedule:
    """Base class. Subclasses define ``_lr(t)``, the learning rate after t calls of ``step()``."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "lr"):
            raise TypeError(
                f"optimizer must be an optimizer with an lr attribute (e.g. SGD(...)); "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = check_lr(optimizer.lr, "optimizer.lr")
        self.t = 0

    def _start(self) -> None:
        """Set the learning rate for t = 0 (called at the end of each subclass's __init__)."""
        self.optimizer.lr = self._lr(0)

    def _lr(self, t: int) -> float:
        raise NotImplementedError

    def lr_at(self, t: int) -> float:
        """The learning rate after t calls of step() (t = 0: before any), without side effects."""
        return self._lr(check_int("t", t, low=0))

    def step(self) -> float:
        """Advance by one and set the optimizer's learning rate; returns the new value."""
        self.t += 1
        self.optimizer.lr = self._lr(self.t)
        return self.optimizer.lr

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({args})"

    def _hyper(self) -> dict:
        return {}


class StepLR(Schedule):
    """Multiply the learning rate by gamma every step_size steps.

    lr_t = lr * gamma^(t // step_size), as torch.optim.lr_scheduler.StepLR.
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        self.step_size = check_int("step_size", step_size, low=1)
        self.gamma = check_positive_number("gamma", gamma)
        self._start()

    def _lr(self, t: int) -> float:
        return _decayed(self.base_lr, self.gamma, t // self.step_size, t)

    def _hyper(self) -> dict:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialLR(Schedule):
    """Multiply the learning rate by gamma every step: lr_t = lr * gamma^t (as torch's)."""

    def __init__(self, optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = check_positive_number("gamma", gamma)
        self._start()

    def _lr(self, t: int) -> float:
        return _decayed(self.base_lr, self.gamma, t, t)

    def _hyper(self) -> dict:
        return {"gamma": self.gamma}


def _decayed(base_lr: float, gamma: float, k: int, t: int) -> float:
    """base_lr * gamma^k, or a ValueError when gamma > 1 has pushed it past the largest float."""
    try:
        lr = base_lr * gamma**k
    except OverflowError:
        lr = math.inf
    if not math.isfinite(lr):
        raise ValueError(f"the learning rate lr * gamma^{k} is too large for a float at step "
                         f"t={t} (gamma={gamma!r} > 1 makes it grow without bound); use "
                         "gamma <= 1 or fewer steps")
    return lr


def _cosine(t: int, T_max: int, lr_max: float, lr_min: float) -> float:
    # lr_t = lr_min + (lr_max - lr_min) * (1 + cos(pi t / T_max)) / 2
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * t / T_max)) / 2


class CosineAnnealingLR(Schedule):
    """Half a cosine from lr down to eta_min over T_max steps.

    lr_t = eta_min + (lr - eta_min) * (1 + cos(pi * t / T_max)) / 2. As in PyTorch the cosine
    carries on past T_max (the rate climbs back up), so set T_max to the number of steps.
    """

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        super().__init__(optimizer)
        self.T_max = check_int("T_max", T_max, low=1)
        self.eta_min = check_positive_number("eta_min", eta_min, allow_zero=True)
        self._start()

    def _lr(self, t: int) -> float:
        return _cosine(t, self.T_max, self.base_lr, self.eta_min)

    def _hyper(self) -> dict:
        return {"T_max": self.T_max, "eta_min": self.eta_min}


def _warmup_factor(t: int, warmup_steps: int, start_factor: float) -> float:
    # factor rises linearly from start_factor at t = 0 to 1 at t = warmup_steps, then stays 1
    return start_factor + (1 - start_factor) * min(t, warmup_steps) / warmup_steps


class LinearWarmup(Schedule):
    """Linear warm-up from start_factor * lr to lr over warmup_steps steps, then constant.

    Same as torch.optim.lr_scheduler.LinearLR(optimizer, start_factor, end_factor=1.0,
    total_iters=warmup_steps), including its default start_factor = 1/3; 0 < start_factor <= 1.
    """

    def __init__(self, optimizer, warmup_steps: int, start_factor: float = 1 / 3):
        super().__init__(optimizer)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=1)
        self.start_factor = _check_start_factor(start_factor)
        self._start()

    def _lr(self, t: int) -> float:
        return self.base_lr * _warmup_factor(t, self.warmup_steps, self.start_factor)

    def _hyper(self) -> dict:
        return {"warmup_steps": self.warmup_steps, "start_factor": self.start_factor}


class WarmupCosine(Schedule):
    """Linear warm-up for warmup_steps steps, then a cosine down to eta_min at total_steps.

    The same values as torch's SequentialLR([LinearLR(start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(T_max=total_steps - warmup_steps, eta_min)], milestones=[warmup_steps]).
    """

    def __init__(self, optimizer, warmup_steps: int, total_steps: int,
                 start_factor: float = 1 / 3, eta_min: float = 0.0):
        super().__init__(optimizer)
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=1)
        self.total_steps = check_int("total_steps", total_steps, low=self.warmup_steps + 1)
        self.start_factor = _check_start_factor(start_factor)
        self.eta_min = check_positive_number("eta_min", eta_min, allow_zero=True)
        self._start()

    def _lr(self, t: int) -> float:
        if t < self.warmup_steps:
            return self.base_lr * _warmup_factor(t, self.warmup_steps, self.start_factor)
        T_max = self.total_steps - self.warmup_steps
        return _cosine(t - self.warmup_steps, T_max, self.base_lr, self.eta_min)

    def _hyper(self) -> dict:
        return {"warmup_steps": self.warmup_steps, "total_steps": self.total_steps,
                "start_factor": self.start_factor, "eta_min": self.eta_min}


def _check_start_factor(start_factor) -> float:
    value = check_fraction("start_factor", start_factor, inclusive_high=True)
    if value == 0:
        raise ValueError(f"start_factor must be a number in (0, 1]; got {value!r}")
    return value


def lr_curve(schedule: Schedule, num_steps: int) -> np.ndarray:
    """The learning rates lr_at(0), ..., lr_at(num_steps - 1) as a (num_steps,) array.

    Pure: neither the schedule nor its optimizer changes.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule (StepLR, ...); "
                        f"got {type(schedule).__name__}")
    num_steps = check_int("num_steps", num_steps, low=0)
    return np.array([schedule._lr(t) for t in range(num_steps)], dtype=float)
