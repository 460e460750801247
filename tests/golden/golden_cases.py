"""What the golden file holds: every case, as plain data (no torch, no helpers).

Read by both sides:
  make_torch_golden.py   draws the inputs with numpy and lets PyTorch compute the answers;
  test_torch_golden.py   recomputes every case with ``helpers`` from the stored inputs.

A case is a dict with an "id" (the name pytest shows) and the settings of one computation. The
names of classes and hyperparameters are those of ``helpers``; the script maps them to torch.
Adding a case is one line here, then regenerating the file (see README.md in this folder).
"""

from __future__ import annotations

import numpy as np

SEED = 20240610  # with each case's kind and id, fixes its inputs (make_torch_golden.rng_for)
RTOL = 1e-10  # what the tests allow between helpers and PyTorch, both in float64 ...
ATOL = 1e-13  # ... plus this, for entries that are 0 up to rounding (e.g. a cancelling sum)

# ---- layers and losses: one forward and backward pass of an MLP ----
# sizes: [n_in, hidden..., n_out]; batch: number of examples (1: dW = Xᵀ dY is an outer
# product, the case of issue 23).

WIDTHS = {1: [5, 8, 3], 2: [6, 16, 7, 4], 4: [4, 10, 12, 6, 9, 3]}
ACTIVATIONS = ("relu", "sigmoid", "tanh")  # the keys of helpers.layers.ACTIVATIONS
LOSSES = ("MSELoss", "SoftmaxCrossEntropy")  # classes of helpers.losses


def _mlp_cases() -> list[dict]:
    cases = []
    for depth, sizes in WIDTHS.items():
        for activation in ACTIVATIONS:
            for loss in LOSSES:
                short = {"MSELoss": "mse", "SoftmaxCrossEntropy": "ce"}[loss]
                cases.append({"id": f"mlp-{depth}hidden-{activation}-{short}", "sizes": sizes,
                              "activation": activation, "loss": loss, "batch": 7})
    cases.append({"id": "mlp-1hidden-relu-mse-batch1", "sizes": [5, 8, 3],
                  "activation": "relu", "loss": "MSELoss", "batch": 1})
    cases.append({"id": "mlp-2hidden-tanh-ce-batch1", "sizes": [6, 16, 7, 4],
                  "activation": "tanh", "loss": "SoftmaxCrossEntropy", "batch": 1})
    return cases


MLP_CASES = _mlp_cases()

# ---- optimizers: NUM_STEPS steps on the problem of `gradient` ----
# hyper: keyword arguments of the helpers class, which have torch.optim's names and meanings.

NUM_STEPS = 60
CHECKPOINTS = (1, 2, 3, 5, 10, 20, 40, 60)  # steps after which the parameters are stored
PARAM_SHAPES = ((3, 4), (4,))


def _opt(case_id: str, optimizer: str, lr: float, **hyper) -> dict:
    return {"id": case_id, "optimizer": optimizer, "lr": lr, "hyper": hyper}


OPTIMIZER_CASES = [
    _opt("SGD", "SGD", 0.05),
    _opt("SGD-momentum", "SGD", 0.05, momentum=0.9),
    _opt("SGD-nesterov", "SGD", 0.05, momentum=0.9, nesterov=True),
    _opt("SGD-weight_decay", "SGD", 0.05, weight_decay=0.05),
    _opt("SGD-momentum-weight_decay", "SGD", 0.05, momentum=0.9, weight_decay=0.05),
    _opt("SGD-nesterov-weight_decay", "SGD", 0.05, momentum=0.8, nesterov=True,
         weight_decay=0.1),
    _opt("RMSProp", "RMSProp", 0.01),
    _opt("RMSProp-alpha", "RMSProp", 0.01, alpha=0.9, eps=1e-6),
    _opt("RMSProp-weight_decay", "RMSProp", 0.01, weight_decay=0.05),
    _opt("Adam", "Adam", 0.05),
    _opt("Adam-betas", "Adam", 0.05, betas=(0.8, 0.99), eps=1e-6),
    _opt("Adam-weight_decay", "Adam", 0.05, weight_decay=0.05),
    _opt("Adam-betas-weight_decay", "Adam", 0.05, betas=(0.8, 0.99), weight_decay=0.1),
    _opt("AdamW", "AdamW", 0.05),
    _opt("AdamW-betas-weight_decay", "AdamW", 0.05, betas=(0.8, 0.99), weight_decay=0.2),
]

# ---- schedules: the lr sequence, and the parameters of a run the schedule drives ----
# lrs[t] is the optimizer's lr after t calls of schedule.step() (lrs[0]: right after creation);
# each step is optimizer.step() then schedule.step(), as PyTorch wants.


def _sched(case_id: str, schedule: str, kwargs: dict, optimizer: str = "SGD", lr: float = 0.1,
           **hyper) -> dict:
    if optimizer == "SGD" and not hyper:
        hyper = {"momentum": 0.9}
    return {"id": case_id, "schedule": schedule, "kwargs": kwargs, "optimizer": optimizer,
            "lr": lr, "hyper": hyper}


SCHEDULE_CASES = [
    _sched("StepLR", "StepLR", {"step_size": 7, "gamma": 0.5}),
    _sched("CosineAnnealingLR", "CosineAnnealingLR", {"T_max": 60, "eta_min": 0.001}),
    _sched("CosineAnnealingLR-past-T_max", "CosineAnnealingLR", {"T_max": 25}),
    _sched("CosineAnnealingLR-Adam", "CosineAnnealingLR", {"T_max": 50, "eta_min": 0.002},
           optimizer="Adam", lr=0.05),
    _sched("StepLR-RMSProp", "StepLR", {"step_size": 15, "gamma": 0.3},
           optimizer="RMSProp", lr=0.02),
    _sched("StepLR-AdamW", "StepLR", {"step_size": 10, "gamma": 0.5},
           optimizer="AdamW", lr=0.05, weight_decay=0.1),
]

CASES = {"mlp": MLP_CASES, "optimizer": OPTIMIZER_CASES, "schedule": SCHEDULE_CASES}


def gradient(p: np.ndarray, h: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The gradient the optimizer runs see: of sum(h p^2 / 2 + c p - 0.1 cos(3 p)).

    Non-linear in p, so a wrong update changes the path and not just the size of the steps.
    Computed with numpy on both sides and handed to the optimizer as its gradient.
    """
    return h * p + c + 0.3 * np.sin(3 * p)


def config() -> dict:
    """Everything above as JSON-ready data: the generator stores it in the file's metadata."""
    return {
        "seed": SEED, "rtol": RTOL, "atol": ATOL, "num_steps": NUM_STEPS,
        "checkpoints": list(CHECKPOINTS), "param_shapes": [list(s) for s in PARAM_SHAPES],
        "cases": CASES,
    }
