"""Learning-rate schedules: change ``optimizer.lr`` as training goes on, as torch's do.

A schedule remembers the optimizer's learning rate when it is made (``base_lr``) and sets
``optimizer.lr = lr_at(0)``; each ``step()`` (call it after ``optimizer.step()``, once per
update) moves on by one and sets ``optimizer.lr = lr_at(t)``. ``lr_at`` is a pure formula.
"""

from __future__ import annotations

import math

from helpers.kit.checks import check_int, check_number, check_positive


class Schedule:
    """Base class: a subclass defines ``lr_at(t)``, the learning rate after t steps."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.t = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, t: int) -> float:
        raise NotImplementedError

    def step(self) -> float:
        self.t += 1
        self.optimizer.lr = self.lr_at(self.t)
        return self.optimizer.lr


class StepLR(Schedule):
    """lr_t = lr · gamma^(t // step_size): multiply by gamma every step_size steps."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = check_int("step_size", step_size, low=1)
        self.gamma = check_positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)

    def __repr__(self) -> str:
        return f"StepLR(step_size={self.step_size}, gamma={self.gamma!r})"


class CosineAnnealingLR(Schedule):
    """Half a cosine from lr down to eta_min over T_max steps:
    lr_t = eta_min + (lr − eta_min) · (1 + cos(π t / T_max)) / 2 (as torch, it climbs back
    after T_max, so set T_max to the number of steps)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = check_int("T_max", T_max, low=1)
        self.eta_min = check_number("eta_min", eta_min, low=0)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        half_cosine = (1 + math.cos(math.pi * t / self.T_max)) / 2  # 1 at t = 0, 0 at T_max
        return self.eta_min + (self.base_lr - self.eta_min) * half_cosine

    def __repr__(self) -> str:
        return f"CosineAnnealingLR(T_max={self.T_max}, eta_min={self.eta_min!r})"
