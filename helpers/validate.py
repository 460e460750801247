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


def check_number(name: str, value) -> float:
    """Return ``value`` as a float if it is a finite real number (any sign)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return value


def check_seed(seed, name: str = "seed") -> int:
    """A random seed: an integer >= 0 (what ``np.random.default_rng`` accepts)."""
    return check_int(name, seed, low=0)


def check_callable(name: str, value, what: str = "a function") -> None:
    """``value`` must be callable, e.g. a function f(x)."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}; got {value!r} ({type(value).__name__})")


def check_labels(name: str, y, n_classes: int | None = None) -> np.ndarray:
    """Class labels: a non-empty 1-D array of integers from 0 to ``n_classes - 1``.

    Floats that happen to be whole (1.0) are refused too: a label is a class number, and a float
    array usually means targets for MSELoss were passed by mistake. Returns the array.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a 1-D array of integer class labels; got shape "
                        f"{y.shape}, dtype {y.dtype}")
    if len(y) == 0:
        raise ValueError(f"{name} must hold at least one label; got an empty array")
    low, high = y.min(), y.max()
    if low < 0 or (n_classes is not None and high >= n_classes):
        allowed = "integers >= 0" if n_classes is None else f"from 0 to {n_classes - 1}"
        raise ValueError(f"{name} must hold class labels {allowed}; got labels from {low} "
                         f"to {high}")
    return y


def check_numbers(name: str, values, *, low: float | None = None, positive: bool = False,
                  below: float | None = None) -> np.ndarray:
    """A non-empty 1-D array of finite numbers (each > 0 with ``positive``, >= ``low`` and
    < ``below`` when given), e.g. learning rates to sweep. Returns it as a float array."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be a list of numbers; got {values!r}")
    array = check_array(name, np.atleast_1d(values) if np.ndim(values) == 0 else values, ndim=1)
    if array.dtype == bool:
        raise TypeError(f"{name} must hold numbers, not True/False; got {values!r}")
    if len(array) == 0:
        raise ValueError(f"{name} must hold at least one number; got an empty list")
    array = array.astype(float)
    if positive and np.any(array <= 0):
        raise ValueError(f"{name} must hold positive numbers; got {values!r}")
    if low is not None and np.any(array < low):
        raise ValueError(f"{name} must hold numbers >= {low:g}; got {values!r}")
    if below is not None and np.any(array >= below):
        raise ValueError(f"{name} must hold numbers < {below:g}; got {values!r}")
    return array


def check_ints(name: str, values, *, low: int | None = None, high: int | None = None) -> list[int]:
    """A non-empty list of integers in ``[low, high]``, e.g. batch sizes to sweep."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TypeError(f"{name} must be a list of integers; got {values!r}")
    values = [check_int(f"{name}[{i}]", v, low=low, high=high) for i, v in enumerate(values)]
    if not values:
        raise ValueError(f"{name} must hold at least one integer; got an empty list")
    return values


def check_objective(objective, name: str = "objective", *, dim: int | None = None) -> None:
    """An objective: an object with f(x) and grad(x) (``dim=2``: a 2-D one such as Rosenbrock)."""
    ok = callable(getattr(objective, "f", None)) and callable(getattr(objective, "grad", None))
    if ok and dim is not None:
        ok = getattr(objective, "dim", None) == dim
    if not ok:
        kind = "a 2-D objective such as QuadraticBowl()" if dim == 2 else (
            "an objective with f(x) and grad(x) methods (e.g. Parabola())")
        raise TypeError(f"{name} must be {kind}; got {objective!r} ({type(objective).__name__})")


def check_point(name: str, x, dim: int | None = None) -> np.ndarray:
    """A finite point: a number, or with ``dim`` an array of shape (dim,). Returns a float array."""
    if x is None or isinstance(x, (str, bytes, bool)):
        raise TypeError(f"{name} must be a number or an array of numbers; got {x!r}")
    point = check_array(name, x).astype(float)
    if dim is not None and point.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},); got {x!r} (shape {point.shape})")
    return point


def check_flag(name: str, value) -> bool:
    """True or False (numpy's bool too); 0, 1, None or "yes" are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)
