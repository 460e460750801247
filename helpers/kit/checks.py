"""Argument checks for the functions a learner calls from a notebook (skip this file).

Each check raises ``ValueError`` (a wrong value) or ``TypeError`` (a wrong kind of thing) with a
message that names the argument, the value given and what is allowed::

    lr must be a positive finite number; got -0.1

Only the entry points call them: building a model, an optimizer, ``train``, the GD runners,
``load_mnist``, the panels and ``check``. Inside, the mathematics trusts its caller.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_number(name: str, value, *, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float: a finite real number in the interval the bounds describe."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {_interval(low, high, low_open, high_open)}; "
                         f"got {value!r}")
    return value


def _interval(low, high, low_open, high_open) -> str:
    if low == 0 and low_open and high is None:
        return "a positive finite number"
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return "a finite number" + (" " + " and ".join(parts) if parts else "")


def check_positive(name: str, value) -> float:
    """A positive finite number, e.g. a learning rate."""
    return check_number(name, value, low=0, low_open=True)


def check_fraction(name: str, value) -> float:
    """A number in [0, 1), e.g. a momentum, a beta or a dropout probability."""
    return check_number(name, value, low=0, high=1, high_open=True)


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int: an integer from ``low`` to ``high`` (either may be None)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        allowed = (f"an integer from {low} to {high}" if low is not None and high is not None
                   else f"an integer >= {low}" if low is not None else f"an integer <= {high}")
        raise ValueError(f"{name} must be {allowed}; got {value}")
    return value


def check_choice(name: str, value, choices):
    """One of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_rng(rng, name: str = "seed") -> np.random.Generator:
    """A numpy Generator: ``rng`` itself, or a new one seeded with the integer ``rng``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        return np.random.default_rng(check_int(name, rng, low=0))
    raise TypeError(f"{name} must be an integer seed or a numpy Generator "
                    f"(np.random.default_rng(seed)); got {rng!r} ({type(rng).__name__})")


def check_array(name: str, value, *, ndim: int | None = None) -> np.ndarray:
    """``value`` as a numpy array of numbers, with ``ndim`` dimensions if given."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers; got {type(value).__name__} "
                        f"of dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension{'s' * (ndim != 1)}; got shape "
                         f"{array.shape}")
    return array


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise ValueError if ``array`` holds NaN or inf, saying where the first one is."""
    with np.errstate(all="ignore"):
        if np.isfinite(array.sum()):  # one pass and no temporary array in the common case
            return
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must hold only finite numbers; {name}{list(where)} is "
                         f"{array[where]!r} ({int(bad.sum())} entries are NaN or inf)")
