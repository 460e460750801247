"""Argument checks shared by every public function.

Each check raises ``ValueError`` (wrong value) or ``TypeError`` (wrong kind of thing) with a
message that names the argument, the value given and what is allowed, for example::

    lr must be a positive finite number; got -0.1

They return the checked value (converted where that is harmless), so a caller can write
``lr = check_lr(lr)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_positive_number(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not math.isfinite(value) or not low_ok:
        allowed = "a finite number >= 0" if allow_zero else "a positive finite number"
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return value


def check_lr(lr, name: str = "lr") -> float:
    """A learning rate: a positive finite number."""
    return check_positive_number(name, lr)


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            allowed = f"an integer >= {low}"
        elif low is None:
            allowed = f"an integer <= {high}"
        else:
            allowed = f"an integer from {low} to {high}"
        raise ValueError(f"{name} must be {allowed}; got {value}")
    return value


def check_batch_size(batch_size, n_examples: int) -> int:
    """A batch size: an integer from 1 to the number of examples."""
    return check_int("batch_size", batch_size, low=1, high=n_examples)


def check_fraction(name: str, value, *, inclusive_high: bool = False) -> float:
    """A number in ``[0, 1)`` (or ``[0, 1]`` with ``inclusive_high``), e.g. momentum or beta."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    ok = 0.0 <= value <= 1.0 if inclusive_high else 0.0 <= value < 1.0
    if not ok:
        allowed = "a number from 0 to 1" if inclusive_high else "a number in [0, 1)"
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return value


def check_choice(name: str, value, choices) -> str:
    """One of a fixed set of names (case-sensitive)."""
    choices = list(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_array(name: str, value, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """Return ``value`` as an array; check its number of dimensions and that it is finite."""
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like; got {type(value).__name__}") from exc
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s); got shape {array.shape} ({array.ndim})"
        )
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold only finite numbers; it contains NaN or inf")
    return array


def check_same_length(X: np.ndarray, y: np.ndarray, names: tuple[str, str] = ("X", "y")) -> None:
    """``X`` and ``y`` must hold the same number of examples (rows)."""
    if len(X) != len(y):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of rows (examples); "
            f"got {names[0]}.shape={np.shape(X)} and {names[1]}.shape={np.shape(y)}"
        )
