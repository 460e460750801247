"""Exercises of notebooks 06a-06c (momentum and Adam): steps, runs and the best momentum.

- ``sgd_momentum_step``: (06a) one step of SGD with momentum in torch's (and helpers') form
- ``adam_step``:         (06c) one step of Adam, bias corrections included
- ``rmsprop_path``:      (06a) RMSProp run on f(x) = ½·a·x²: the path, to measure its hovering
- ``optimal_momentum``:  (06b) β* = ((√κ − 1)/(√κ + 1))² for a condition number κ
- ``heavy_ball_steps``:  (06b) run momentum on a bowl and count the steps to a tolerance (or None)
- ``adamw_step``:        (06c) one step of AdamW: decoupled weight decay, then Adam
"""

from __future__ import annotations

import math

import numpy as np

from . import (
    Mistake,
    as_array,
    as_arrays,
    as_number,
    close,
    exercise,
    log_uniform,
    read_step_count,
    run_cases,
)


def _momentum(p, g, buf, lr, mu):
    buf_new = mu * buf + g  # buf ← μ·buf + g
    return [p - lr * buf_new, buf_new]  # p ← p − lr·buf


MOMENTUM_MISTAKES = {
    "keras": Mistake("your buffer is Keras' velocity, with lr inside it. Here the buffer "
                     "collects raw gradients and lr is applied when p moves.",
                     lambda p, g, buf, lr, mu: [p + mu * buf - lr * g, mu * buf - lr * g]),
    "plain_step": Mistake("p moved as in plain SGD: the momentum buffer never reaches p.",
                          lambda p, g, buf, lr, mu: [p - lr * g, mu * buf + g]),
    "old_buffer_step": Mistake("p moved with the old buffer: update the buffer first, then "
                               "move p with it.",
                               lambda p, g, buf, lr, mu: [p - lr * buf, mu * buf + g]),
    "old_buffer_returned": Mistake("p is right, but you returned the old buffer: return the "
                                   "new one, the next step needs it.",
                                   lambda p, g, buf, lr, mu: [_momentum(p, g, buf, lr, mu)[0],
                                                              buf]),
    "uphill": Mistake("p moves uphill (wrong sign).",
                      lambda p, g, buf, lr, mu: [2 * p - _momentum(p, g, buf, lr, mu)[0],
                                                 mu * buf + g]),
    "dampened": Mistake("your buffer scales the new gradient by (1 − momentum), an "
                        "exponential average; here the buffer adds the gradient at full size.",
                        lambda p, g, buf, lr, mu: [p - lr * (mu * buf + (1 - mu) * g),
                                                   mu * buf + (1 - mu) * g]),
}


def _momentum_cases(rng):
    d = int(rng.integers(1, 6))
    p, g, buf = rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal(d)
    first = (np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.4]), np.array([0.5, -0.2, 0.1]),
             0.1, 0.9)
    return [first, (p, g, buf, rng.uniform(0.001, 0.5), rng.uniform(0.1, 0.99)),
            (p, g, np.zeros(d), 0.05, 0.9),  # the first step: buf starts at 0
            (p, g, buf, 0.1, 0.0),  # momentum 0 is plain SGD
            (p, 1e4 * g, buf, 1e-3, 0.5)]  # a large gradient


def _momentum_pointer(case, out, expected):
    wrong = [what for what, got, right in zip(("p", "buf"), out, expected)
             if not close(got, right)]
    return (f"with lr = {case[3]:.4g}, momentum = {case[4]:.4g}: the new "
            f"{' and the new '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off.")


@exercise("sgd_momentum_step", MOMENTUM_MISTAKES)
def _check_sgd_momentum_step(fn):
    run_cases(fn, _momentum_cases(np.random.default_rng()), answer=_momentum,
              read=lambda out, where, case: as_arrays(
                  out, {"new p": case[0].shape, "new buf": case[0].shape}, where),
              label=lambda p, g, buf, lr, mu: f"with lr = {lr:.4g}, momentum = {mu:.4g}",
              mistakes=MOMENTUM_MISTAKES, pointer=_momentum_pointer)
    return True, "buf ← μ·buf + g, then p ← p − lr·buf: torch.optim.SGD's momentum step."


def _beta_star(kappa):
    root = math.sqrt(kappa)
    return ((root - 1) / (root + 1)) ** 2


OPTIMAL_MOMENTUM_MISTAKES = {
    "not_squared": Mistake("that is the contraction per step with the best momentum, not the "
                           "momentum itself: they differ by a power of 2.",
                           lambda k: (math.sqrt(k) - 1) / (math.sqrt(k) + 1)),
    "kappa_not_root": Mistake("your value uses κ where its square root belongs.",
                              lambda k: ((k - 1) / (k + 1)) ** 2),
    "gd_rate": Mistake("that is plain GD's contraction factor, not a momentum.",
                       lambda k: (k - 1) / (k + 1)),
}


@exercise("optimal_momentum", OPTIMAL_MOMENTUM_MISTAKES)
def _check_optimal_momentum(fn):
    rng = np.random.default_rng()
    cases = [(4.0,), *[(log_uniform(rng, 1.5, 1e4),) for _ in range(3)], (1.0,), (37.5,),
             (1e8,)]
    run_cases(fn, cases, answer=_beta_star, read=as_number, label=lambda k: f"for κ = {k:.4g}",
              mistakes=OPTIMAL_MOMENTUM_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for κ = {case[0]:.4g} the value is off; check κ = 1 (a round bowl needs no "
                  "momentum) and a large κ (close to 1)."))
    return True, "β* = ((√κ − 1)/(√κ + 1))²: 0 for a round bowl, close to 1 for a narrow one."


def _adam(p, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, t_shift=0, g_weight=None,
          v_of=np.square):
    """One Adam step; the keyword arguments give the common wrong attempts."""
    m = beta1 * m + (1 - beta1 if g_weight is None else g_weight) * g  # running mean of g
    v = beta2 * v + (1 - beta2) * v_of(g)  # running mean of g²
    m_hat = m / (1 - beta1 ** (t + t_shift)) if correct else m  # bias corrections
    v_hat = v / (1 - beta2 ** (t + t_shift)) if correct else v
    return [p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v]


def _adam_sqrt_missing(p, g, m, v, t, lr, beta1, beta2, eps):
    _, m, v = _adam(p, g, m, v, t, lr, beta1, beta2, eps)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return [p - lr * m_hat / (v_hat + eps), m, v]


def _adam_returns_hats(p, g, m, v, t, lr, beta1, beta2, eps):
    p, m, v = _adam(p, g, m, v, t, lr, beta1, beta2, eps)
    return [p, m / (1 - beta1**t), v / (1 - beta2**t)]


ADAM_MISTAKES = {
    "no_bias_correction": Mistake("m and v are right, but the step skips the bias correction: "
                                  "at t = 1 each weight should move by about lr.",
                                  lambda *case: _adam(*case, correct=False)),
    "bias_correction_t_plus_1": Mistake("off by one step in the bias correction: t counts "
                                        "from 1 at the first step.",
                                        lambda *case: _adam(*case, t_shift=1)),
    "no_sqrt": Mistake("the step divides by v̂ itself where its square root belongs.",
                       _adam_sqrt_missing),
    "returns_hats": Mistake("you returned the bias-corrected m̂ and v̂: the state to keep for "
                            "the next step is the uncorrected m and v.", _adam_returns_hats),
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
    return [first, random, (p, g, m, v, 5, 0.01, 0.9, 0.999, 1e-8),
            (p, np.zeros(d), m, v, 3, 0.01, 0.9, 0.999, 1e-8),  # a zero gradient
            (p, 1e4 * g, m, v, 2, 0.01, 0.9, 0.999, 1e-8)]  # a large gradient


def _adam_read(out, where, case):
    shape = case[0].shape
    return as_arrays(out, {"new p": shape, "new m": shape, "new v": shape}, where)


def _adam_pointer(case, out, expected):
    wrong = [what for what, got, right in zip(("p", "m", "v"), out, expected)
             if not close(got, right, 1e-7)]
    return (f"at step t = {case[4]}: the new {' and the new '.join(wrong)} "
            f"{'is' if len(wrong) == 1 else 'are'} off.")


@exercise("adam_step", ADAM_MISTAKES)
def _check_adam_step(fn):
    run_cases(fn, _adam_cases(np.random.default_rng()), answer=_adam, read=_adam_read,
              label=lambda *case: f"at step t = {case[4]}", mistakes=ADAM_MISTAKES,
              pointer=_adam_pointer, tol=1e-7)
    return True, ("m, v, then the bias-corrected step lr·m̂/(√v̂ + eps): at t = 1 each weight "
                  "moves by about lr, whatever the size of its gradient.")


def _heavy_ball(kappa, lr, mu, tol, max_steps, *, dampened=False, old_buffer=False):
    """Steps of momentum on ½(x1² + κ·x2²) from (1, 1) until |x_t| ≤ tol; inf if not by max_steps.

    Python floats, one coordinate at a time: a diverging run overflows to inf quietly.
    """
    x, buf = [1.0, 1.0], [0.0, 0.0]
    for t in range(max_steps + 1):
        if math.hypot(*x) <= tol:
            return t
        for i, lam in enumerate((1.0, kappa)):
            g = lam * x[i]  # ∂f/∂x_i
            new_buf = mu * buf[i] + ((1 - mu) * g if dampened else g)
            x[i] -= lr * (buf[i] if old_buffer else new_buf)
            buf[i] = new_buf
    return math.inf


HEAVY_BALL_MISTAKES = {
    "no_momentum": Mistake("your counts are those of plain GD: the buffer must carry the past "
                           "steps from one step to the next, and move x.",
                           lambda k, lr, mu, tol, n: _heavy_ball(k, lr, 0.0, tol, n)),
    "dampened": Mistake("your buffer scales the new gradient by (1 − momentum); here the buffer "
                        "adds the gradient at full size, as in section 1 of 06a.",
                        lambda *case: _heavy_ball(*case, dampened=True)),
    "old_buffer": Mistake("x moved with the old buffer: update the buffer first, then move x "
                          "with it.", lambda *case: _heavy_ball(*case, old_buffer=True)),
    "one_more": Mistake("one step too many: count the updates, not the points visited (the "
                        "start is not a step).", lambda *case: _heavy_ball(*case) + 1),
    "cap_count": Mistake("when the run does not get within tol in max_steps steps, return None, "
                         "not max_steps: a count would say it got there.",
                         lambda *case: min(_heavy_ball(*case), case[4])),
}


def _best_pair(kappa):
    """The heavy-ball lr and momentum that contract ½(x1² + κ·x2²) fastest (λ_min = 1)."""
    root = math.sqrt(kappa)
    return 4.0 / (1.0 + root) ** 2, ((root - 1) / (root + 1)) ** 2


def _heavy_ball_cases(rng):
    kappa = log_uniform(rng, 2, 50)
    mu = float(rng.uniform(0.3, 0.9))
    random = (kappa, float(rng.uniform(0.3, 0.9)) * 2 * (1 + mu) / kappa, mu, 1e-6, 2000)
    best = (25.0, *_best_pair(25.0), 1e-6, 2000)
    return [(10.0, 0.03, 0.5, 1e-6, 2000), random, best,
            (25.0, 2 / 26, 0.0, 1e-6, 2000),  # momentum 0 is GD, here at its best lr
            (10.0, 0.1, 0.5, 2.0, 100),  # the start is within tol already
            (10.0, 0.32, 0.5, 1e-6, 300),  # past 2(1 + momentum)/λ_max: diverges
            (100.0, 0.0198, 0.0, 1e-6, 50)]  # converges, but not within 50 steps


def _heavy_ball_label(kappa, lr, mu, tol, max_steps):
    return (f"for κ = {kappa:.4g}, lr = {lr:.4g}, momentum = {mu:.3g}, tol = {tol:.2g}, "
            f"max_steps = {max_steps}")


def _read_heavy_ball(out, where, case):
    return read_step_count(out, where)


def _heavy_ball_pointer(case, out, expected):
    where = _heavy_ball_label(*case)
    if math.isinf(expected):
        return (f"{where}: the run does not get within tol in max_steps steps, so the answer "
                "is None; your function returned a count.")
    if math.isinf(out):
        return f"{where}: the run does get within tol in time, but your function returned None."
    return (f"{where}: your count is too {'large' if out > expected else 'small'}; check that "
            "the buffer starts at 0 and that |x| is the length of the vector (x1, x2).")


@exercise("heavy_ball_steps", HEAVY_BALL_MISTAKES)
def _check_heavy_ball_steps(fn):
    run_cases(fn, _heavy_ball_cases(np.random.default_rng()), answer=_heavy_ball,
              read=_read_heavy_ball, label=_heavy_ball_label, mistakes=HEAVY_BALL_MISTAKES,
              pointer=_heavy_ball_pointer)
    momentum = _heavy_ball(25.0, *_best_pair(25.0), 1e-6, 2000)
    plain = _heavy_ball(25.0, 2 / 26, 0.0, 1e-6, 2000)
    return True, (f"at κ = 25 momentum with its best lr and β* needs {momentum:.0f} steps, plain "
                  f"GD at its best lr {plain:.0f}: the rate per step improves from "
                  "(κ − 1)/(κ + 1) to about (√κ − 1)/(√κ + 1).")


# ---- 06a: RMSProp on a one-dimensional bowl, run and measured -------------------------------

def _rmsprop_path(a, x0, lr, alpha, eps, num_steps, *, sqrt=math.sqrt, weight=None,
                  old_v=False, sign=1.0):
    """x_0 … x_T of RMSProp on f(x) = ½·a·x² (g = a·x), v from 0; keywords: wrong attempts."""
    x, v, path = float(x0), 0.0, [float(x0)]
    for _ in range(num_steps):
        g = a * x
        v_new = alpha * v + ((1 - alpha) if weight is None else weight) * g * g
        x = x - sign * lr * g / (sqrt(v if old_v else v_new) + eps)
        v = v_new
        path.append(x)
    return np.array(path)


RMSPROP_MISTAKES = {
    "no_sqrt": Mistake("the step divides by v itself where its square root belongs: then the "
                       "step depends on the size of the gradient again.",
                       lambda *case: _rmsprop_path(*case, sqrt=lambda v: v)),
    "full_weight": Mistake("v is off: it is a moving average, so the old v and the new g² get "
                           "weights that add up to 1.",
                           lambda *case: _rmsprop_path(*case, weight=1.0)),
    "old_v": Mistake("x moved with the old v: update v with the new gradient first, then take "
                     "the step (at the first step the old v is 0).",
                     lambda *case: _rmsprop_path(*case, old_v=True)),
    "uphill": Mistake("x moves uphill (wrong sign).",
                      lambda *case: _rmsprop_path(*case, sign=-1.0)),
}


def _rmsprop_cases(rng):
    random = (log_uniform(rng, 0.1, 100.0), float(rng.uniform(-2, 2)), log_uniform(rng, 1e-3, 0.1),
              float(rng.uniform(0.8, 0.999)), 1e-8, int(rng.integers(20, 200)))
    return [(1.0, 1.0, 0.01, 0.99, 1e-8, 50), random,
            (100.0, -1.5, 0.01, 0.99, 1e-8, 100),  # a steep bowl, a negative start
            (1.0, 1.0, 0.05, 0.0, 1e-8, 30),  # alpha = 0: v is the last g² alone
            (1.0, 0.0, 0.01, 0.9, 1e-8, 10),  # the start is the minimum: nothing moves
            (1e4, 0.3, 0.001, 0.9, 1e-8, 40)]  # a huge curvature


def _rmsprop_label(a, x0, lr, alpha, eps, num_steps):
    return f"for a = {a:.4g}, x0 = {x0:.4g}, lr = {lr:.4g}, alpha = {alpha:.4g}"


def _rmsprop_read(out, where, case):
    return as_array(out, (case[5] + 1,), "the path (x_0 first, then one point per step)", where)


def _rmsprop_pointer(case, out, expected):
    wrong = int(np.argmax(~np.isclose(out, expected, rtol=1e-9, atol=1e-12)))
    return (f"{_rmsprop_label(*case)}: the path is right up to x_{wrong - 1} and off from x_{wrong}"
            " on; check that v starts at 0 and carries over from step to step.")


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


# ---- 06c: AdamW, decoupled weight decay ------------------------------------------------------

def _adamw(p, g, m, v, t, lr, beta1, beta2, eps, wd, *, how="right"):
    """One AdamW step; ``how`` gives the common wrong attempts."""
    if how == "l2":  # the decay enters the gradient: Adam with weight_decay
        return _adam(p, g + wd * p, m, v, t, lr, beta1, beta2, eps)
    if how == "after":  # Adam's step first, then the shrink
        new_p, m, v = _adam(p, g, m, v, t, lr, beta1, beta2, eps)
        return [new_p * (1 - lr * wd), m, v]
    shrink = 1 - wd if how == "no_lr" else 1 - lr * wd
    return _adam(p * shrink, g, m, v, t, lr, beta1, beta2, eps,
                 correct=how != "no_bias_correction")


ADAMW_MISTAKES = {
    "l2": Mistake("your decay went into the gradient, so it is divided by √v̂ like the rest: "
                  "that is Adam with an L2 penalty. AdamW keeps the decay out of m and v.",
                  lambda *case: _adamw(*case, how="l2")),
    "no_lr": Mistake("your weights shrink by weight_decay itself at each step: the shrink "
                     "factor involves the learning rate too.",
                     lambda *case: _adamw(*case, how="no_lr")),
    "after": Mistake("you shrank the weights after Adam's step; shrink them first, then take "
                     "the step (as torch.optim.AdamW does).",
                     lambda *case: _adamw(*case, how="after")),
    "no_bias_correction": Mistake("the step skips Adam's bias correction: at t = 1 each "
                                  "weight with a gradient should move by about lr.",
                                  lambda *case: _adamw(*case, how="no_bias_correction")),
}


def _adamw_cases(rng):
    d = int(rng.integers(1, 6))
    first = (np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.2, -0.5, 1.5, 0.0]), np.zeros(4),
             np.zeros(4), 1, 0.01, 0.9, 0.999, 1e-8, 0.1)
    m, v = 0.1 * rng.standard_normal(d), 0.01 * rng.random(d) + 1e-3
    p, g = rng.standard_normal(d), rng.standard_normal(d)
    random = (p, g, m, v, int(rng.integers(2, 1000)), log_uniform(rng, 1e-4, 0.1),
              rng.uniform(0.8, 0.95), rng.uniform(0.99, 0.9999), 1e-8, log_uniform(rng, 1e-3, 1))
    return [first, random, (p, g, m, v, 5, 0.01, 0.9, 0.999, 1e-8, 0.5),
            (p, np.zeros(d), m, v, 3, 0.01, 0.9, 0.999, 1e-8, 0.1),  # no gradient at all
            (p, g, m, v, 4, 0.003, 0.9, 0.999, 1e-8, 0.0),  # no decay: Adam itself
            (p, 1e4 * g, m, v, 2, 0.1, 0.9, 0.999, 1e-8, 1.0)]  # a large gradient and decay


def _adamw_pointer(case, out, expected):
    wrong = [what for what, got, right in zip(("p", "m", "v"), out, expected)
             if not close(got, right, 1e-7)]
    return (f"at step t = {case[4]}, weight_decay = {case[9]:.3g}: the new "
            f"{' and the new '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off.")


@exercise("adamw_step", ADAMW_MISTAKES)
def _check_adamw_step(fn):
    run_cases(fn, _adamw_cases(np.random.default_rng()), answer=_adamw, read=_adam_read,
              label=lambda *case: f"at step t = {case[4]}, weight_decay = {case[9]:.3g}",
              mistakes=ADAMW_MISTAKES, pointer=_adamw_pointer, tol=1e-7)
    return True, ("the weights shrink first, by the same factor for every weight, then Adam "
                  "steps on the plain gradient: m and v never see the decay.")
