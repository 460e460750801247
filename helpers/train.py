"""The training loop: mini-batches, forward, loss, backward, optimizer step; and evaluation.

``train`` runs the loop notebook 06 writes out by hand and returns a ``History`` (the loss at
every update, loss and accuracy at every epoch's end) for plotting. Its arguments are checked
once, before the loop; inside, the loop is what a hand-written numpy loop does, plus one
comparison per step for the blow-up rule (``helpers.gd.blew_up``). A run that blows up, or is
interrupted (the kernel's stop button), ends with its History and a message, not a traceback.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from helpers.batches import minibatches
from helpers.gd import BLOWUP_FACTOR, blew_up
from helpers.kit.checks import check_array, check_finite, check_int, check_rng
from helpers.kit.text import plural
from helpers.layers import Layer, linear_layers
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.optim import Optimizer

BLOWUP_WINDOW = 64  # the blow-up is judged on the mean loss of this many examples' steps


@dataclass
class History:
    """What happened during training, as lists ready to plot.

    Per update: step_loss (the batch's loss) and examples_seen (a running count). Per epoch:
    epoch_loss, epoch_acc (means over the epoch's batches, while the weights changed),
    val_loss, val_acc (after the epoch, when validation data were given) and wall_time
    (seconds since the start). Accuracies are fractions, NaN for a regression.
    status: "ok", "blew_up", "diverged" (NaN or inf), "stuck" (ended no better than a blind
    guess), "stopped" (by a callback) or "interrupted"; message: one sentence for the learner.
    """

    step_loss: list = field(default_factory=list)
    examples_seen: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    epoch_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    wall_time: list = field(default_factory=list)
    status: str = "ok"
    message: str = ""

    @property
    def num_steps(self) -> int:
        return len(self.step_loss)


def train(model, loss_fn, optimizer, X, y, *, batch_size: int | None = None, num_epochs: int = 1,
          seed=0, X_val=None, y_val=None, schedule=None, transform=None, callbacks=(),
          log_every: int = 100, progress: bool = True) -> History:
    """Train ``model`` by mini-batch SGD (or any optimizer) and return its History.

    model: a Layer, e.g. mlp([784, 128, 10]); loss_fn: SoftmaxCrossEntropy() (y: (N,) integer
    labels) or MSELoss() (y: (N, n_out)); optimizer: built on model.parameters().
    X: (N, n_in). batch_size: 1 … N (default 64, or N if smaller); num_epochs >= 1; seed: an
    integer or a Generator for the shuffles (and ``transform``). X_val, y_val: scored after
    every epoch. schedule: stepped after every update. transform: ``transform(X_batch, rng) ->
    X_batch``, e.g. random shifts of the digits. callbacks: functions cb(history), called every
    ``log_every`` updates and after every epoch; one that returns False stops the run.
    progress: a progress bar.
    """
    X, y = check_data(model, loss_fn, X, y)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together (or neither)")
    if X_val is not None:
        X_val, y_val = check_data(model, loss_fn, X_val, y_val, names=("X_val", "y_val"))
    _check_optimizer(optimizer, model)
    batch_size = min(64, len(X)) if batch_size is None else batch_size
    batch_size = check_int("batch_size", batch_size, low=1, high=len(X))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    log_every = check_int("log_every", log_every, low=1)
    rng = check_rng(seed)
    callbacks = (callbacks,) if callable(callbacks) else tuple(callbacks or ())
    if not all(callable(cb) for cb in callbacks):
        raise TypeError(f"callbacks must be functions cb(history); got {callbacks!r}")

    history = History()
    classify = isinstance(loss_fn, SoftmaxCrossEntropy)
    # The blow-up rule's reference, the most a healthy run reaches: the untrained model's loss
    # on the first batch, or a blind guess's if larger. -inf lets the first step set it.
    reference, limit = _blind_guess_loss(loss_fn, y, model), -math.inf
    window = math.ceil(BLOWUP_WINDOW / batch_size)
    steps_per_epoch = math.ceil(len(X) / batch_size)
    bar = tqdm(total=num_epochs * steps_per_epoch, unit="step",
               **({} if progress else {"disable": True}))  # TQDM_DISABLE=1 also hides it
    backward_kw = {"input_grad": False} if linear_layers(model) else {}
    start, step, seen = time.perf_counter(), 0, 0
    try:
        with np.errstate(all="ignore"), bar:  # a blow-up ends in a message, not in warnings
            for epoch in range(1, num_epochs + 1):
                loss_sum, n_correct, epoch_seen = 0.0, 0, 0
                for idx in minibatches(len(X), batch_size, rng):
                    X_batch = X[idx] if transform is None else transform(X[idx], rng)
                    y_batch = y[idx]
                    y_hat = model.forward(X_batch)
                    loss = loss_fn.forward(y_hat, y_batch)
                    if not loss <= limit:  # one comparison per step; only past it, a judgement
                        if step == 0:
                            reference = max(reference, loss) if math.isfinite(loss) else reference
                            limit = BLOWUP_FACTOR * reference
                        if _stopped(history, loss, reference, window, X_batch, step + 1, epoch,
                                    optimizer.lr):
                            return history
                    model.backward(loss_fn.backward(), **backward_kw)
                    optimizer.step()
                    if schedule is not None:
                        schedule.step()
                    step, seen, epoch_seen = step + 1, seen + len(idx), epoch_seen + len(idx)
                    history.step_loss.append(loss)
                    history.examples_seen.append(seen)
                    loss_sum += loss * len(idx)  # the epoch's loss: a mean over examples
                    if classify:
                        n_correct += np.count_nonzero(y_hat.argmax(axis=1) == y_batch)
                    if step % 50 == 0:
                        bar.update(step - bar.n)
                    if callbacks and step % log_every == 0 and not _call(callbacks, history):
                        return _stop_by_callback(history, step, epoch)
                history.epoch_loss.append(loss_sum / epoch_seen)
                history.epoch_acc.append(n_correct / epoch_seen if classify else math.nan)
                if X_val is not None:
                    val_loss, val_acc = evaluate(model, X_val, y_val, loss_fn)
                    history.val_loss.append(val_loss)
                    history.val_acc.append(val_acc)
                history.wall_time.append(time.perf_counter() - start)
                bar.update(step - bar.n)
                if callbacks and not _call(callbacks, history):
                    return _stop_by_callback(history, step, epoch)
    except KeyboardInterrupt:  # the stop button: keep what was learnt, and say so
        history.status = "interrupted"
        history.message = (f"Interrupted after {plural(step, 'update')}: the weights are as "
                           "they were then; the History holds everything up to that point.")
        return history
    history.message = _summary(history, num_epochs)
    guess = _blind_guess_loss(loss_fn, y, model)
    if not history.epoch_loss[-1] < guess:  # no better than a blind guess: say so
        history.status = "stuck"
        history.message += (f" That is no better than a blind guess's loss {guess:.3g}: at "
                            f"lr {optimizer.lr:g} the network has not learnt.")
    return history


def _stopped(history, loss, reference, window, X_batch, step, epoch, lr) -> bool:
    """Whether a step whose loss passed the blow-up limit ends the run (status, message set):
    NaN or inf at once; a finite loss when the mean of the last ``window`` steps blew up too."""
    too_large = f"The learning rate {lr:g} is too large for this model; try a smaller one."
    if step == 1 and not math.isfinite(loss):  # before any update: not the learning rate
        history.status = "diverged"
        history.message = (f"Stopped before the first update: the untrained model's loss on the "
                           f"first batch is {loss}. The batch's largest |x| is "
                           f"{float(np.max(np.abs(X_batch))):.3g}.")
        return True
    if not math.isfinite(loss):
        history.status = "diverged"
        history.message = (f"Stopped at update {step} (epoch {epoch}): the loss became {loss}. "
                           f"{too_large}")
        return True
    recent = history.step_loss[len(history.step_loss) - window + 1:] + [loss]
    mean = sum(recent) / len(recent)
    if step < window or not blew_up(mean, reference):
        return False
    history.status = "blew_up"
    history.message = (f"Stopped at update {step} (epoch {epoch}): the loss blew up to "
                       f"{mean:.3g} (mean of the last {plural(len(recent), 'update')}), past "
                       f"{BLOWUP_FACTOR:g}× its start {reference:.3g}. {too_large}")
    return True


def _stop_by_callback(history, step, epoch) -> History:
    history.status = "stopped"
    history.message = f"Stopped by a callback after update {step} (epoch {epoch})."
    return history


def _call(callbacks, history) -> bool:
    """Run every callback; False if one of them asked to stop."""
    return all([callback(history) is not False for callback in callbacks])


def _blind_guess_loss(loss_fn, y, model) -> float:
    """The loss of a blind guess: log K for K classes (uniform probabilities), mean(y²) for
    targets (predicting 0)."""
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        return math.log(max(2, linear_layers(model)[-1].params["W"].shape[1]))
    return max(float(np.mean(np.square(y, dtype=float))), 1e-12)


def _summary(history, num_epochs) -> str:
    text = (f"Trained for {plural(num_epochs, 'epoch')}, {plural(history.num_steps, 'update')}: "
            f"last epoch's loss {history.epoch_loss[-1]:.4g}")
    if history.val_acc and not math.isnan(history.val_acc[-1]):
        text += f", validation accuracy {history.val_acc[-1]:.1%}"
    return text + "."


def evaluate(model, X, y, loss_fn=None) -> tuple[float, float]:
    """(loss, accuracy) of ``model`` on (X, y) in one forward pass; nothing changes.

    loss_fn defaults to SoftmaxCrossEntropy() for (N,) labels and MSELoss() for (N, n_out)
    targets; the accuracy is a fraction, NaN for targets.
    """
    if loss_fn is None:
        loss_fn = SoftmaxCrossEntropy() if np.ndim(y) == 1 else MSELoss()
    X, y = check_data(model, loss_fn, X, y)
    was_training = model.training
    model.eval()  # dropout off while scoring
    with np.errstate(all="ignore"):
        y_hat = model.forward(X)
        loss = loss_fn.forward(y_hat, y)
    model.train(was_training)
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        return loss, float(np.mean(y_hat.argmax(axis=1) == y))
    return loss, math.nan


# ---- the checks, once before the loop: each names the argument and what is allowed ----------

def check_data(model, loss_fn, X, y, names=("X", "y")):
    """X and y checked for ``model`` and ``loss_fn`` (every error names the cause and the fix),
    converted once to what the loop uses: (X in the model's dtype, y)."""
    x_name, y_name = names
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a Layer, e.g. mlp([784, 128, 10]); got "
                        f"{type(model).__name__}")
    if not isinstance(loss_fn, (SoftmaxCrossEntropy, MSELoss)):
        raise TypeError(f"loss_fn must be SoftmaxCrossEntropy() or MSELoss(); got {loss_fn!r}")
    if np.ndim(X) > 2:  # e.g. images (N, 28, 28), as Keras returns them
        raise ValueError(f"{x_name} must hold one example per row, shape (N, n_features); got "
                         f"shape {np.shape(X)}: use {x_name}.reshape(len({x_name}), -1)")
    X, y = check_array(x_name, X, ndim=2), check_array(y_name, y)
    if len(X) != len(y):
        raise ValueError(f"{x_name} and {y_name} must hold one row per example; got "
                         f"{x_name}.shape={X.shape} and {y_name}.shape={y.shape}")
    if len(X) == 0:
        raise ValueError(f"{x_name} must hold at least one example; got shape {X.shape}")
    check_finite(x_name, X)
    linears = linear_layers(model)
    n_in = linears[0].params["W"].shape[0] if linears else X.shape[1]
    if X.shape[1] != n_in:
        raise ValueError(f"{x_name} has {X.shape[1]} columns but the model's first Linear layer "
                         f"takes {n_in} inputs; got {x_name}.shape={X.shape}")
    dtype = model.params[next(iter(model.params))].dtype if model.params else np.float32
    largest = max(float(X.max()), -float(X.min()))
    if largest > math.sqrt(np.finfo(dtype).max):  # x² (in the loss, in dW) would overflow
        raise ValueError(f"{x_name} holds values up to {largest:.3g} in size: the model's "
                         f"{np.dtype(dtype)} loss and gradients overflow on inputs that large; "
                         f"scale the inputs to about [-1, 1], e.g. "
                         f"{x_name} / np.abs({x_name}).max()")
    if X.dtype == np.uint8 or (n_in == 784 and X.max() > 1.5):
        raise ValueError(f"{x_name} holds values up to {X.max():g} ({X.dtype}): the pixels "
                         f"must be scaled to [0, 1]: use {x_name} / 255")
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        y = _check_labels(y, y_name, linears[-1].params["W"].shape[1] if linears else None)
    elif linears and y.shape[1:] != (linears[-1].params["W"].shape[1],):
        raise ValueError(f"{y_name} must have shape ({len(y)}, "
                         f"{linears[-1].params['W'].shape[1]}) to match the model's output; got "
                         f"{y.shape} (for one output, y.reshape(-1, 1))")
    X = np.ascontiguousarray(X, dtype=dtype)  # converted once here, never inside the loop
    if isinstance(loss_fn, MSELoss):
        y = np.ascontiguousarray(y, dtype=dtype)
    return X, y


def _check_labels(y, name, n_classes):
    if y.ndim != 1:
        raise ValueError(f"{name} must be one class label per example, shape (N,); got shape "
                         f"{y.shape} (for one-hot rows, use {name}.argmax(axis=1))")
    if y.dtype.kind == "f":
        raise TypeError(f"{name} holds floats ({y.dtype}, e.g. {float(y[0])!r}): class labels "
                        f"must be integers: use {name}.astype(int)")
    low, high = int(y.min()), int(y.max())
    if low < 0 or (n_classes is not None and high >= n_classes):
        raise ValueError(f"{name} must hold labels from 0 to {n_classes - 1} (the model has "
                         f"{n_classes} outputs); got labels from {low} to {high}")
    return y.astype(np.intp, copy=False)


def _check_optimizer(optimizer, model) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an optimizer built on the model, e.g. "
                        f"SGD(model.parameters(), lr=0.1); got {type(optimizer).__name__}")
    own = {id(p) for p in model.params.values()}
    if not optimizer.params or any(id(p) not in own for p, _ in optimizer.params):
        raise ValueError(f"optimizer must be built on this model's parameters, e.g. "
                         f"SGD(model.parameters(), lr=0.1); {optimizer!r} holds other arrays "
                         "(was the model built again after the optimizer?)")
