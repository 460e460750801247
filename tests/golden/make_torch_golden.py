"""Write tests/golden/torch_golden.npz: what PyTorch computes for every case in golden_cases.py.

Needs torch, which the course never installs; run it in a throwaway venv (README.md here):

    /tmp/torchenv/bin/python tests/golden/make_torch_golden.py

numpy draws every input from fixed seeds; torch only computes the answers, all in float64. This
script does not import helpers, so the file holds PyTorch's answers and nothing of ours. The
file's "meta" entry (JSON) says how it was made: versions, date, command and the whole config.

File layout: "<kind>/<case id>/<name>" -> float64 array, kinds as in golden_cases.CASES. Several
parameters are stored as one flat vector: each raveled, joined in order (W0, b0, W1, b1, ... with
W as helpers stores it, (n_in, n_out); or one part per shape in PARAM_SHAPES), to keep the file
small (every stored array costs a few hundred bytes of zip and .npy headers).
  mlp/<id>/        inputs X, y (targets, or int64 labels), params;
                   answers out (the network's output), loss, dX, grads (laid out as params)
  optimizer/<id>/  inputs start, h, c (see golden_cases.gradient);
                   answer params: (len(CHECKPOINTS), n), all parameters after each checkpoint step
  schedule/<id>/   the same as optimizer/, plus lrs: (NUM_STEPS + 1,) the lr after t steps
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import platform
import sys
from pathlib import Path

import golden_cases as cases  # this script's folder is on sys.path when it is run
import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
OUT = HERE / "torch_golden.npz"
COMMAND = "/tmp/torchenv/bin/python tests/golden/make_torch_golden.py"

# helpers' names -> PyTorch's. A new optimizer or schedule whose torch name differs goes here
# (e.g. "AdaGrad": "Adagrad"); hyperparameters must have torch's names already.
TORCH_OPTIMIZERS = {"SGD": "SGD", "RMSProp": "RMSprop", "Adam": "Adam", "AdamW": "AdamW"}
TORCH_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
TORCH_LOSSES = {"MSELoss": nn.MSELoss, "SoftmaxCrossEntropy": nn.CrossEntropyLoss}


# helpers' schedule class -> a function (torch.optim.lr_scheduler, optimizer, kwargs) -> scheduler
TORCH_SCHEDULES = {
    "StepLR": lambda S, opt, kw: S.StepLR(opt, **kw),
    "CosineAnnealingLR": lambda S, opt, kw: S.CosineAnnealingLR(opt, **kw),
}


def rng_for(kind: str, case_id: str) -> np.random.Generator:
    """The generator of one case's inputs: adding or removing a case changes no other case."""
    return np.random.default_rng([cases.SEED, *(ord(ch) for ch in f"{kind}/{case_id}")])


def t64(a: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)


# ---- one function per kind: case -> {name: array} ----

def mlp_case(case: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    sizes, batch = case["sizes"], case["batch"]
    X = rng.standard_normal((batch, sizes[0]))
    Ws = [rng.normal(0, 1.5 / np.sqrt(n_in), (n_in, n_out))  # a bit larger than PyTorch's
          for n_in, n_out in zip(sizes[:-1], sizes[1:])]      # init: the nonlinearities bend
    bs = [rng.normal(0, 0.5, n_out) for n_out in sizes[1:]]
    if case["loss"] == "MSELoss":
        y = rng.standard_normal((batch, sizes[-1]))
        y_torch = t64(y)
    else:
        y = rng.integers(0, sizes[-1], batch)
        y_torch = torch.from_numpy(y)

    modules = []
    for W, b in zip(Ws, bs):
        linear = nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(t64(W.T))  # torch stores (n_out, n_in)
            linear.bias.copy_(t64(b))
        modules += [linear, TORCH_ACTIVATIONS[case["activation"]]()]
    model = nn.Sequential(*modules[:-1])

    X_torch = t64(X, requires_grad=True)
    h, pre_activations = X_torch, []
    for module in model:
        h = module(h)
        if isinstance(module, nn.Linear):
            pre_activations.append(h.detach().numpy())
    loss = TORCH_LOSSES[case["loss"]]()(h, y_torch)
    loss.backward()
    if case["activation"] == "relu":  # a pre-activation within rounding of ReLU's kink could
        gap = min(np.abs(z).min() for z in pre_activations[:-1])  # flip a unit between the
        if gap < 1e-6:                                             # two implementations
            raise ValueError(f"{case['id']}: a ReLU input is {gap:.1e} from 0; change the case")

    linears = [m for m in model if isinstance(m, nn.Linear)]
    grads = [a for m in linears for a in (m.weight.grad.numpy().T, m.bias.grad.numpy())]
    return {"X": X, "y": y, "params": flat([a for W, b in zip(Ws, bs) for a in (W, b)]),
            "out": h.detach().numpy(), "loss": np.array(loss.item()),
            "dX": X_torch.grad.numpy(), "grads": flat(grads)}


def flat(arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def _problem(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Start points and the h, c of golden_cases.gradient, flat (one part per parameter)."""
    n = sum(int(np.prod(shape)) for shape in cases.PARAM_SHAPES)
    return {"start": rng.standard_normal(n), "h": rng.uniform(0.5, 2.0, n),
            "c": rng.standard_normal(n)}


def split(vector: np.ndarray) -> list[np.ndarray]:
    """A flat vector -> one array per shape in PARAM_SHAPES (copies)."""
    parts, i = [], 0
    for shape in cases.PARAM_SHAPES:
        size = int(np.prod(shape))
        parts.append(vector[i:i + size].reshape(shape).copy())
        i += size
    return parts


def _run(case: dict, problem: dict, make_schedule=None) -> dict[str, np.ndarray]:
    """NUM_STEPS steps of torch's optimizer (and schedule); the checkpoints and the lrs."""
    params = [t64(start, requires_grad=True) for start in split(problem["start"])]
    hs, cs = split(problem["h"]), split(problem["c"])
    hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in case["hyper"].items()}
    opt = getattr(torch.optim, TORCH_OPTIMIZERS[case["optimizer"]])(params, lr=case["lr"],
                                                                    **hyper)
    schedule = make_schedule(opt) if make_schedule else None
    lrs, checkpoints = [opt.param_groups[0]["lr"]], []
    for t in range(1, cases.NUM_STEPS + 1):
        for p, h, c in zip(params, hs, cs):
            p.grad = torch.from_numpy(cases.gradient(p.detach().numpy(), h, c))
        opt.step()
        if schedule is not None:
            schedule.step()
            lrs.append(opt.param_groups[0]["lr"])
        if t in cases.CHECKPOINTS:
            checkpoints.append(flat(p.detach().numpy() for p in params))
    out = {"params": np.array(checkpoints)}
    if schedule is not None:
        out["lrs"] = np.array(lrs, dtype=float)
    return out


def optimizer_case(case: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    problem = _problem(rng)
    return problem | _run(case, problem)


def schedule_case(case: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    problem = _problem(rng)
    build = TORCH_SCHEDULES[case["schedule"]]
    return problem | _run(case, problem,
                          lambda opt: build(torch.optim.lr_scheduler, opt, case["kwargs"]))


MAKERS = {"mlp": mlp_case, "optimizer": optimizer_case, "schedule": schedule_case}


def main() -> None:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    arrays = {}
    for kind, kind_cases in cases.CASES.items():
        for case in kind_cases:
            for name, value in MAKERS[kind](case, rng_for(kind, case["id"])).items():
                arrays[f"{kind}/{case['id']}/{name}"] = np.asarray(value)
    meta = {
        "what": "PyTorch's answers for the cases of tests/golden/golden_cases.py, in float64",
        "made_by": "tests/golden/make_torch_golden.py",
        "command": COMMAND,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "torch_names": {"optimizers": TORCH_OPTIMIZERS,
                        "schedules": {k: inspect.getsource(v).strip()
                                      for k, v in TORCH_SCHEDULES.items()}},
        "gradient": inspect.getsource(cases.gradient),
        "config": cases.config(),
    }
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta, indent=1).encode()), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1000:.0f} kB, {len(arrays)} arrays) with "
          f"torch {torch.__version__}, numpy {np.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
