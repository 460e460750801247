"""Exercises of notebook 07 (momentum and Adam): one Adam step, and RMSProp's path on a parabola.

- ``adam_step``:    one step of Adam, bias corrections included, eps outside the square root
- ``rmsprop_path``: RMSProp on f(x) = ½·a·x², the whole path (to measure its hovering)
"""

from __future__ import annotations

import math

import numpy as np

from . import Mistake, as_array, as_arrays, close, exercise, log_uniform, run_cases


def _adam(p, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, t_shift=0, g_weight=None,
          v_of=np.square, root=None, hats=False):
    """One Adam step; the keyword arguments give the common wrong attempts."""
    m = beta1 * m + (1 - beta1 if g_weight is None else g_weight) * g  # running mean of g
    v = beta2 * v + (1 - beta2) * v_of(g)  # running mean of g²
    m_hat = m / (1 - beta1 ** (t + t_shift)) if correct else m  # bias corrections
    v_hat = v / (1 - beta2 ** (t + t_shift)) if correct else v
    denominator = np.sqrt(v_hat) + eps if root is None else root(v_hat, eps)
    return [p - lr * m_hat / denominator, m_hat if hats else m, v_hat if hats else v]


ADAM_MISTAKES = {
    "no_bias_correction": Mistake("m and v are right, but the step skips the bias correction: "
                                  "at t = 1 each weight should move by about lr.",
                                  lambda *case: _adam(*case, correct=False)),
    "bias_correction_t_plus_1": Mistake("off by one step in the bias correction: t counts "
                                        "from 1 at the first step.",
                                        lambda *case: _adam(*case, t_shift=1)),
    "no_sqrt": Mistake("the step divides by v̂ itself where its square root belongs.",
                       lambda *case: _adam(*case, root=lambda v, eps: v + eps)),
    "eps_in_sqrt": Mistake("eps went inside the square root: take the root of v̂ first, then "
                           "add eps. (With gradients near 1e-6 the two differ about 100-fold.)",
                           lambda *case: _adam(*case, root=lambda v, eps: np.sqrt(v + eps))),
    "returns_hats": Mistake("you returned the bias-corrected m̂ and v̂: the state to keep for "
                            "the next step is the uncorrected m and v.",
                            lambda *case: _adam(*case, hats=True)),
    "m_weights": Mistake("m is off: the weights of the old m and of the new gradient must add "
                         "up to 1.", lambda *case: _adam(*case, g_weight=1.0)),
    "v_of_abs_g": Mistake("v is off: it is a running mean of the squared gradient.",
                          lambda *case: _adam(*case, v_of=np.abs)),
}


def _adam_cases(rng):
    d = int(rng.integers(1, 6))
    first = (np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.2, -0.5, 1.5, -0.05]), np.zeros(4),
             np.zeros(4), 1, 0.01, 0.9, 0.999, 1e-8)
    m, v = 0.1 * rng.standard_normal(d), 0.01 * rng.random(d) + 1e-3
    p, g = rng.standard_normal(d), rng.standard_normal(d)
    random = (p, g, m, v, int(rng.integers(2, 1000)), log_uniform(rng, 1e-4, 0.1),
              rng.uniform(0.8, 0.95), rng.uniform(0.99, 0.9999), 1e-8)
    tiny = 1e-6 * g  # gradients small enough that eps matters
    return [first, random, (p, g, m, v, 5, 0.01, 0.9, 0.999, 1e-8),
            (p, tiny, np.zeros(d), np.zeros(d), 1, 0.01, 0.9, 0.999, 1e-8),
            (p, tiny, 1e-6 * m, 1e-12 * v, 7, 0.01, 0.9, 0.999, 1e-8),
            (p, 1e-3 * g, m, 1e-6 * v, 3, 0.01, 0.9, 0.999, 1e-3),  # a large eps
            (p, np.zeros(d), m, v, 3, 0.01, 0.9, 0.999, 1e-8),  # a zero gradient
            (p, 1e4 * g, m, v, 2, 0.01, 0.9, 0.999, 1e-8)]  # a large gradient


def _adam_read(out, where, case):
    shape = case[0].shape
    return as_arrays(out, {"new p": shape, "new m": shape, "new v": shape}, where)


def _adam_pointer(case, out, expected):
    wrong = [what for what, got, right in zip(("p", "m", "v"), out, expected)
             if not close(got, right, 1e-7)]
    return (f"at step t = {case[4]} with eps = {case[8]:g}: the new "
            f"{' and the new '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off.")


@exercise("adam_step", ADAM_MISTAKES)
def _check_adam_step(fn):
    run_cases(fn, _adam_cases(np.random.default_rng()), answer=_adam, read=_adam_read,
              label=lambda *case: f"at step t = {case[4]} with eps = {case[8]:g}",
              mistakes=ADAM_MISTAKES, pointer=_adam_pointer, tol=1e-7)
    return True, ("m, v, then the bias-corrected step: at t = 1 each weight moves by about lr, "
                  "whatever the size of its gradient.")


# ---- RMSProp on a one-dimensional bowl, run and measured ------------------------------------

def _rmsprop_path(a, x0, lr, alpha, eps, num_steps, *, root=None, weight=None, old_v=False,
                  sign=1.0, v0=None):
    """x_0 … x_T of RMSProp on f(x) = ½·a·x² (g = a·x), v from 0; keywords: wrong attempts."""
    x, v, path = float(x0), None if v0 else 0.0, [float(x0)]
    for _ in range(num_steps):
        g = a * x
        v = g * g if v is None else v  # v0=True: v starts at the first g² instead of 0
        v_new = alpha * v + ((1 - alpha) if weight is None else weight) * g * g
        v_used = v if old_v else v_new
        x = x - sign * lr * g / (math.sqrt(v_used) + eps if root is None else root(v_used, eps))
        v = v_new
        path.append(x)
    return np.array(path)


RMSPROP_MISTAKES = {
    "no_sqrt": Mistake("the step divides by v itself where its square root belongs: then the "
                       "step depends on the size of the gradient again.",
                       lambda *case: _rmsprop_path(*case, root=lambda v, eps: v + eps)),
    "eps_in_sqrt": Mistake("eps went inside the square root: take the root of v first, then add "
                           "eps (it matters where gradients are tiny, as near the minimum).",
                           lambda *case: _rmsprop_path(*case, root=lambda v, eps:
                                                       math.sqrt(v + eps))),
    "full_weight": Mistake("v is off: it is a moving average, so the old v and the new g² get "
                           "weights that add up to 1.",
                           lambda *case: _rmsprop_path(*case, weight=1.0)),
    "old_v": Mistake("x moved with the old v: update v with the new gradient first, then take "
                     "the step (at the first step the old v is 0).",
                     lambda *case: _rmsprop_path(*case, old_v=True)),
    "v_from_g": Mistake("your v starts at the first squared gradient; it starts at 0, which "
                        "makes the first steps larger than lr.",
                        lambda *case: _rmsprop_path(*case, v0=True)),
    "uphill": Mistake("x moves uphill (wrong sign).",
                      lambda *case: _rmsprop_path(*case, sign=-1.0)),
}


def _rmsprop_cases(rng):
    random = (log_uniform(rng, 0.1, 100.0), float(rng.uniform(-2, 2)), log_uniform(rng, 1e-3, 0.1),
              float(rng.uniform(0.8, 0.999)), 1e-8, int(rng.integers(20, 200)))
    return [(1.0, 1.0, 0.01, 0.99, 1e-8, 50), random,
            (100.0, -1.5, 0.01, 0.99, 1e-8, 100),  # a steep bowl, a negative start
            (1.0, 1.0, 0.05, 0.0, 1e-8, 30),  # alpha = 0: v is the last g² alone
            (1e-3, 1e-3, 1e-4, 0.9, 1e-8, 20),  # gradients near 1e-6: eps matters
            (1.0, 0.5, 0.01, 0.9, 0.1, 20),  # a large eps
            (1.0, 0.0, 0.01, 0.9, 1e-8, 10),  # the start is the minimum: nothing moves
            (1e4, 0.3, 0.001, 0.9, 1e-8, 40)]  # a huge curvature


def _rmsprop_label(a, x0, lr, alpha, eps, num_steps):
    return f"for a = {a:.4g}, x0 = {x0:.4g}, lr = {lr:.4g}, alpha = {alpha:.4g}, eps = {eps:g}"


def _rmsprop_read(out, where, case):
    return as_array(out, (case[5] + 1,), "the path (x_0 first, then one point per step)", where)


def _rmsprop_pointer(case, out, expected):
    wrong = int(np.argmax(~np.isclose(out, expected, rtol=1e-9, atol=1e-12)))
    return (f"{_rmsprop_label(*case)}: the path is right up to x_{wrong - 1} and off from "
            f"x_{wrong} on; compare your step with the text's rule term by term: v, its weights, "
            "the square root, and where eps goes.")


@exercise("rmsprop_path", RMSPROP_MISTAKES)
def _check_rmsprop_path(fn):
    run_cases(fn, _rmsprop_cases(np.random.default_rng()), answer=_rmsprop_path,
              read=_rmsprop_read, label=_rmsprop_label, mistakes=RMSPROP_MISTAKES,
              pointer=_rmsprop_pointer)
    steep = _rmsprop_path(100.0, 1.0, 0.01, 0.99, 1e-8, 50)
    flat = _rmsprop_path(1.0, 1.0, 0.01, 0.99, 1e-8, 50)
    same = "the same" if np.allclose(steep, flat, rtol=1e-6) else "nearly the same"
    return True, (f"RMSProp's path on a bowl 100 times steeper is {same}: g/√v does not "
                  "change when every gradient is multiplied by the same number.")
