"""helpers computes what PyTorch computes, checked without PyTorch: against stored golden data.

tests/golden/torch_golden.npz holds PyTorch's answers (float64) for the cases listed in
tests/golden/golden_cases.py: one forward and backward pass of MLPs of several depths, widths,
activations and losses; NUM_STEPS steps of every optimizer configuration; every schedule, with
its lr sequence and the parameters of a run it drives. Each test rebuilds one case with helpers
from the stored inputs and compares with np.testing.assert_allclose(rtol=RTOL, atol=ATOL).

The other tests here make sure the file keeps its promise: it exists and says how it was made,
it matches golden_cases.py, it covers every optimizer, schedule, activation and loss helpers
has, and a slightly wrong computation (a weight or a hyperparameter off by one part in a
million) would fail the comparison. tests/golden/README.md says how to regenerate the file.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import helpers.layers
import helpers.losses
import helpers.optim
import helpers.schedules
from helpers.layers import ACTIVATIONS, Linear, ReLU, Sequential, Sigmoid, Tanh

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
GOLDEN_FILE = GOLDEN_DIR / "torch_golden.npz"
REGENERATE = "regenerate tests/golden/torch_golden.npz as tests/golden/README.md says"
MAX_SIZE = 300_000  # bytes: the file is stored in git


def _load_cases():
    spec = importlib.util.spec_from_file_location("golden_cases", GOLDEN_DIR / "golden_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _load_cases()
RTOL, ATOL = cases.RTOL, cases.ATOL
PERTURBATION = 1e-6  # relative change that the sensitivity tests must see as a mismatch


@functools.cache
def golden() -> dict[str, np.ndarray]:
    if not GOLDEN_FILE.exists():
        pytest.fail(f"{GOLDEN_FILE} is missing: {REGENERATE}")
    with np.load(GOLDEN_FILE, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def meta() -> dict:
    return json.loads(golden()["meta"].item().decode())


def stored(kind: str, case: dict) -> dict[str, np.ndarray]:
    """The stored arrays of one case, by name; fails if the file has none."""
    prefix = f"{kind}/{case['id']}/"
    arrays = {k[len(prefix):]: v for k, v in golden().items() if k.startswith(prefix)}
    if not arrays:
        pytest.fail(f"the golden file has no {kind} case {case['id']!r}: {REGENERATE}")
    return arrays


def ids(kind: str) -> list:
    return [pytest.param(case, id=case["id"]) for case in cases.CASES[kind]]


def split(vector: np.ndarray, shapes) -> list[np.ndarray]:
    """A flat vector -> one array per shape (copies), as the generator joined them."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    parts = np.split(vector, np.cumsum(sizes)[:-1])
    return [part.reshape(shape).copy() for part, shape in zip(parts, shapes)]


def flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def assert_close(actual, expected, what: str) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def excess(actual: dict, expected: dict) -> float:
    """The largest |actual - expected| / (ATOL + RTOL |expected|): above 1 fails assert_close."""
    return max(float(np.max(np.abs(np.subtract(actual[k], expected[k]))
                            / (ATOL + RTOL * np.abs(expected[k])))) for k in expected)


# ---- layers and losses: one forward and backward pass ----

ACTIVATION_LAYERS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def mlp_shapes(sizes) -> list[tuple]:
    """Shapes of W0, b0, W1, b1, ... as helpers stores them."""
    return [s for n_in, n_out in zip(sizes[:-1], sizes[1:]) for s in ((n_in, n_out), (n_out,))]


def mlp_answers(case: dict, data: dict) -> dict[str, np.ndarray]:
    """helpers' output, loss, dL/dX and parameter gradients for the stored inputs."""
    sizes = case["sizes"]
    weights = iter(split(data["params"], mlp_shapes(sizes)))
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        linear = Linear(n_in, n_out, dtype=np.float64)
        linear.params["W"][...] = next(weights)
        linear.params["b"][...] = next(weights)
        layers += [linear, ACTIVATION_LAYERS[case["activation"]]()]
    model = Sequential(*layers[:-1])
    loss_fn = getattr(helpers.losses, case["loss"])()
    out = model.forward(data["X"].copy())
    loss = loss_fn.forward(out, data["y"])
    dX = model.backward(loss_fn.backward())
    return {"out": out, "loss": np.array(loss), "dX": dX,
            "grads": flat(grad for _, grad in model.parameters())}


@pytest.mark.parametrize("case", ids("mlp"))
def test_mlp_forward_and_backward_match_torch(case):
    data = stored("mlp", case)
    ours = mlp_answers(case, data)
    for name in ("out", "loss", "dX"):
        assert_close(ours[name], data[name], f"{case['id']}: {name}")
    shapes = mlp_shapes(case["sizes"])
    names = [f"d{kind}{i}" for i in range(len(shapes) // 2) for kind in ("W", "b")]
    for name, mine, torch_value in zip(names, split(ours["grads"], shapes),
                                       split(data["grads"], shapes)):
        assert_close(mine, torch_value, f"{case['id']}: {name}")


@pytest.mark.parametrize("case", ids("mlp"))
def test_mlp_comparison_sees_a_weight_or_input_off_by_one_in_a_million(case):
    data = stored("mlp", case)
    answers = {k: data[k] for k in ("out", "loss", "dX", "grads")}
    assert excess(mlp_answers(case, data), answers) <= 1  # the comparison passes as stored ...
    for name in ("params", "X"):  # ... and fails when an input is slightly wrong
        wrong = data | {name: data[name] * (1 + PERTURBATION)}
        assert excess(mlp_answers(case, wrong), answers) > 100, f"{name} * (1 + 1e-6)"


# ---- optimizers and schedules: NUM_STEPS steps ----

def run(case: dict, data: dict) -> dict[str, np.ndarray]:
    """helpers' optimizer (and schedule, if the case has one) on the stored problem."""
    shapes = cases.PARAM_SHAPES
    params = [(p, np.zeros_like(p)) for p in split(data["start"], shapes)]
    hs, cs = split(data["h"], shapes), split(data["c"], shapes)
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in case["hyper"].items()}
    optimizer = getattr(helpers.optim, case["optimizer"])(params, lr=case["lr"], **hyper)
    schedule = None
    if "schedule" in case:
        schedule = getattr(helpers.schedules, case["schedule"])(optimizer, **case["kwargs"])
    lrs, checkpoints = [optimizer.lr], []
    for t in range(1, cases.NUM_STEPS + 1):
        for (p, g), h, c in zip(params, hs, cs):
            g[...] = cases.gradient(p, h, c)
        optimizer.step()
        if schedule is not None:
            schedule.step()
            lrs.append(optimizer.lr)  # the lr the next step will use
        if t in cases.CHECKPOINTS:
            checkpoints.append(flat(p for p, _ in params))
    out = {"params": np.array(checkpoints)}
    if schedule is not None:
        out["lrs"] = np.array(lrs)
    return out


def assert_run_matches(case: dict, data: dict) -> None:
    ours = run(case, data)
    if "lrs" in data:
        assert_close(ours["lrs"], data["lrs"], f"{case['id']}: lr after t steps (lrs[t])")
    for i, t in enumerate(cases.CHECKPOINTS):  # the first step at which they part is named
        assert_close(ours["params"][i], data["params"][i], f"{case['id']}: params after step {t}")


def perturbations(case: dict) -> dict[str, dict]:
    """Copies of the case with one setting slightly wrong, by a name saying which.

    The lr and every setting the case chooses: numbers times (1 + 1e-6), integers + 1, booleans
    flipped, each of betas in turn. Not eps, whose size barely shows in a run (by design).
    """
    out = {"lr": case | {"lr": case["lr"] * (1 + PERTURBATION)}}
    for group in ("hyper", "kwargs"):
        for name, value in case.get(group, {}).items():
            if name == "eps":
                continue
            if isinstance(value, (list, tuple)):
                values = [(f"{name}[{i}]", [*value[:i], _nudged(v), *value[i + 1:]])
                          for i, v in enumerate(value)]
            else:
                values = [(name, _nudged(value))]
            for label, wrong in values:
                out[f"{group}.{label}"] = case | {group: case[group] | {name: wrong}}
    return out


def _nudged(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return value * (1 + PERTURBATION)


@pytest.mark.parametrize("case", ids("optimizer"))
def test_optimizer_matches_torch_optim(case):
    assert_run_matches(case, stored("optimizer", case))


@pytest.mark.parametrize("case", ids("schedule"))
def test_schedule_and_the_run_it_drives_match_torch_lr_scheduler(case):
    assert_run_matches(case, stored("schedule", case))


@pytest.mark.parametrize("case", ids("optimizer") + ids("schedule"))
def test_run_comparison_sees_each_setting_off_by_one_in_a_million(case):
    kind = "schedule" if "schedule" in case else "optimizer"
    data = stored(kind, case)
    answers = {k: data[k] for k in ("params", "lrs") if k in data}
    assert excess(run(case, data), answers) <= 1  # the comparison passes as stored ...
    unseen = {label: excess(run(wrong, data), answers)  # ... and fails for a wrong setting
              for label, wrong in perturbations(case).items()}
    assert all(value > 100 for value in unseen.values()), unseen


# ---- the file itself ----

def test_golden_file_is_small_and_says_how_it_was_made():
    assert GOLDEN_FILE.exists(), f"{GOLDEN_FILE} is missing: {REGENERATE}"
    assert GOLDEN_FILE.stat().st_size < MAX_SIZE
    info = meta()
    for field in ("torch", "numpy", "date", "command", "made_by", "gradient"):
        assert info[field], field
    assert info["made_by"] == "tests/golden/make_torch_golden.py"


def test_golden_file_holds_exactly_the_cases_of_golden_cases_py():
    # a case added to (or changed in) golden_cases.py without regenerating the file fails here
    assert meta()["config"] == json.loads(json.dumps(cases.config())), REGENERATE
    expected = {f"{kind}/{case['id']}" for kind, kind_cases in cases.CASES.items()
                for case in kind_cases}
    assert {name.rsplit("/", 1)[0] for name in golden() if name != "meta"} == expected
    assert all(np.isfinite(a).all() for name, a in golden().items() if name != "meta")


def _classes(module, base) -> set[str]:
    return {name for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, base) and obj is not base
            and obj.__module__ == module.__name__}


def _stored(kind: str, field: str) -> set[str]:
    return {case[field] for case in meta()["config"]["cases"][kind]}


def test_every_optimizer_of_helpers_optim_has_golden_data():
    # a new optimizer (AdaGrad, NAdam, ...) needs cases in golden_cases.py and a new file
    missing = _classes(helpers.optim, helpers.optim.Optimizer) - _stored("optimizer", "optimizer")
    assert not missing, f"no golden data for {sorted(missing)}: add cases, then {REGENERATE}"


def test_every_schedule_of_helpers_schedules_has_golden_data():
    missing = _classes(helpers.schedules, helpers.schedules.Schedule) - _stored("schedule",
                                                                                "schedule")
    assert not missing, f"no golden data for {sorted(missing)}: add cases, then {REGENERATE}"


def test_every_activation_layer_and_loss_has_golden_data():
    # Dropout has random masks and is no activation: it is checked in test_layers.py
    layers = _classes(helpers.layers, helpers.layers.Layer) - {"Linear", "Sequential", "Dropout",
                                                               "Activation"}
    assert layers == {cls.__name__ for cls in ACTIVATION_LAYERS.values()}, "a layer outside mlp()"
    assert {cls.fn.name for cls in ACTIVATION_LAYERS.values()} == set(ACTIVATIONS)
    assert set(ACTIVATIONS) <= _stored("mlp", "activation")
    losses = {name for name, obj in vars(helpers.losses).items()
              if isinstance(obj, type) and hasattr(obj, "backward")}
    assert losses and losses <= _stored("mlp", "loss")
