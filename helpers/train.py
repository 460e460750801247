"""The training loop: minibatches, forward, loss, backward, optimizer step; and evaluation.

``train`` returns a ``History`` of the loss at every update step and of loss and accuracy at
every epoch end, for plotting. It stops cleanly, with a message, when the loss blows up (too
large a learning rate; the rule is ``helpers.gd.blew_up``), and never lets numpy's overflow
warnings out. The loop is kept lean (one comparison per step for the blow-up, no other checks
or conversions inside it) so that it runs about as fast as a hand-written numpy loop, even with
batch_size=1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from helpers.batches import as_rng, minibatches
from helpers.gd import BLOWUP_FACTOR, blew_up
from helpers.layers import Layer, Linear, Sequential
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.optim import Optimizer
from helpers.schedules import Schedule
from helpers.text import plural
from helpers.validate import (
    check_array,
    check_batch_size,
    check_int,
    check_labels,
    check_same_length,
)


@dataclass
class History:
    """What happened during training, as lists ready to plot.

    Per update step: step_loss (minibatch loss) and examples_seen (running count).
    Per epoch: epoch_loss and epoch_acc (means over the epoch's minibatches, measured while
    the weights were changing, as Keras reports them), test_loss and test_acc (after the
    epoch, if test data were given), wall_time (seconds since the start, evaluation included).
    epoch_acc and test_acc are NaN when the labels are not classes (e.g. MSELoss).
    status: "ok", "blew_up" (the loss, averaged over BLOWUP_WINDOW examples, grew past
    BLOWUP_FACTOR times its reference: see ``helpers.gd.blew_up``) or "diverged" (the loss
    became NaN or inf); message: one sentence for the learner.
    """

    step_loss: list[float] = field(default_factory=list)
    examples_seen: list[int] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    status: str = "ok"
    message: str = ""

    @property
    def num_steps(self) -> int:
        """Number of update steps taken."""
        return len(self.step_loss)


def train(model, loss_fn, optimizer, X, y, *, batch_size: int = 64, num_epochs: int = 1,
          seed=0, X_test=None, y_test=None, callbacks=(), progress: bool = True,
          log_every: int = 100, schedule=None) -> History:
    """Train ``model`` by minibatch gradient descent and return its History.

    model: a Layer (e.g. mlp([784, 128, 10])); loss_fn: SoftmaxCrossEntropy() (y: (N,) int
    labels) or MSELoss() (y: (N, n_out)); optimizer: built on model.parameters().
    X: (N, n_in), converted once to the model's dtype. batch_size: 1 to N; num_epochs >= 1;
    seed: integer or Generator for the shuffling. X_test, y_test: optional, evaluated after
    each epoch. callbacks: functions cb(history) called every log_every steps and after each
    epoch; a callback that returns False stops training (status stays "ok"). progress: show
    a tqdm bar (TQDM_DISABLE=1 also hides it). schedule: optional Schedule, stepped after
    every update step.
    """
    if optimizer is None:
        raise TypeError("optimizer must be an Optimizer (e.g. SGD(model.parameters(), lr=0.1)); "
                        "got None")
    X, y, X_test, y_test = _check_train_args(model, loss_fn, optimizer, X, y, X_test, y_test)
    _check_optimizer_holds_model(optimizer, model)
    batch_size = check_batch_size(batch_size, len(X))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    log_every = check_int("log_every", log_every, low=1)
    callbacks = _check_callbacks(callbacks)
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule (StepLR, ...) or None; "
                        f"got {type(schedule).__name__}")
    rng = as_rng(seed, "seed")
    is_classification = isinstance(loss_fn, SoftmaxCrossEntropy)
    backward = _backward_without_input_grad(model)
    # Blow-up: one comparison per step against `limit`; only when a step's loss passes it is the
    # mean over the last `window` steps (>= BLOWUP_WINDOW examples) judged, so that one badly
    # classified example at batch size 1 does not stop a healthy run. The limit is set at the
    # first step (-inf lets that step in), from its loss: the untrained model's.
    reference, limit = math.nan, -math.inf
    window = math.ceil(BLOWUP_WINDOW / batch_size)

    history = History()
    steps_per_epoch = math.ceil(len(X) / batch_size)
    bar_every = max(1, steps_per_epoch // 20)  # refresh the bar about 20 times per epoch
    # pass disable only to turn the bar off: left out, tqdm honours TQDM_DISABLE=1 itself
    bar_options = {} if progress else {"disable": True}
    bar = tqdm(total=num_epochs * steps_per_epoch, unit="step", **bar_options)
    start = time.perf_counter()
    step, seen = 0, 0
    with np.errstate(all="ignore"), bar:  # a diverging run ends with a message, not warnings
        for epoch in range(1, num_epochs + 1):
            loss_sum, n_correct, epoch_seen, keep_going = 0.0, 0, 0, True
            for idx in minibatches(len(X), batch_size, rng):
                X_batch, y_batch = X[idx], y[idx]
                y_hat = model.forward(X_batch)
                loss = loss_fn.forward(y_hat, y_batch)
                if not loss <= limit:
                    if step == 0:
                        reference = _reference_loss(loss, y_hat, loss_fn, y)
                        limit = BLOWUP_FACTOR * reference
                    if _stop(history, loss, reference, window, step + 1, epoch, optimizer.lr):
                        _call(callbacks, history)  # lets a live plot show the message
                        return history
                backward(loss_fn.backward())
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                # bookkeeping: a few cheap operations per step
                n_batch = len(idx)
                step += 1
                seen += n_batch
                epoch_seen += n_batch
                history.step_loss.append(loss)
                history.examples_seen.append(seen)
                loss_sum += loss * n_batch  # the epoch loss is a mean over examples
                if is_classification:
                    n_correct += np.count_nonzero(y_hat.argmax(axis=1) == y_batch)
                if step % bar_every == 0:
                    bar.update(step - bar.n)
                if callbacks and step % log_every == 0 and not _call(callbacks, history):
                    keep_going = False
                    break
            history.epoch_loss.append(loss_sum / epoch_seen)
            history.epoch_acc.append(n_correct / epoch_seen if is_classification else math.nan)
            if X_test is not None:
                test_loss, test_acc = _evaluate(model, X_test, y_test, loss_fn)
                history.test_loss.append(test_loss)
                history.test_acc.append(test_acc)
            history.wall_time.append(time.perf_counter() - start)
            bar.update(step - bar.n)
            bar.set_postfix(epoch=epoch, loss=f"{history.epoch_loss[-1]:.4g}")
            if keep_going and callbacks:
                keep_going = _call(callbacks, history)
            if not keep_going:
                history.message = (f"Training stopped by a callback after step {step} "
                                   f"(epoch {epoch}).")
                return history
    history.message = _summary(history, num_epochs)
    return history


BLOWUP_WINDOW = 64  # the blow-up is judged on the loss averaged over this many examples


def _stop(history: History, loss: float, reference: float, window: int, step: int, epoch: int,
          lr: float) -> bool:
    """Whether a step whose loss passed the blow-up limit ends the run (status and message set).

    NaN or inf stops at once ("diverged"); a finite loss stops the run ("blew_up") when the
    mean over the last ``window`` steps, this one included, has blown up too.
    """
    lr_text = (f"The learning rate {float(f'{lr:.6g}')!r} is too large for this model; "
               "try a smaller one.")
    if not math.isfinite(loss) and step == 1:  # before any update: not the learning rate
        history.status = "diverged"
        history.message = (f"Training stopped at step 1: the loss of the untrained model is {loss}"
                           ". Its weights hold NaN or inf (after a run that diverged?): build the "
                           "model again.")
        return True
    if not math.isfinite(loss):
        history.status = "diverged"
        history.message = (f"Training stopped at step {step} (epoch {epoch}): the loss became "
                           f"{loss}. {lr_text}")
        return True
    if step < window:
        return False
    recent = history.step_loss[len(history.step_loss) - window + 1:] + [loss]
    mean = sum(recent) / window
    if not blew_up(mean, reference):
        return False
    history.status = "blew_up"
    history.message = (
        f"Training stopped at step {step} (epoch {epoch}): the loss blew up, from about "
        f"{reference:.3g} to {mean:.3g} (mean of the last {plural(window, 'step')}), more than "
        f"{BLOWUP_FACTOR:g}× the loss at the start. {lr_text}"
    )
    return True


def _reference_loss(first_loss: float, y_hat, loss_fn, y) -> float:
    """The loss a healthy run stays near: the larger of the first step's loss (the untrained
    model's) and a blind guess's (log(n_classes) for classes, mean(y²) for targets)."""
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        guess = math.log(max(2, np.shape(y_hat)[-1]))  # uniform probabilities over the classes
    else:
        guess = float(np.mean(np.square(y, dtype=float))) if y.dtype.kind in "iuf" else 0.0
    values = [v for v in (first_loss, guess) if math.isfinite(v)]
    return max(values + [1e-12])


def _summary(history: History, num_epochs: int) -> str:
    text = (f"Trained for {num_epochs} epoch(s), {history.num_steps} steps: "
            f"last epoch's loss {history.epoch_loss[-1]:.4g}")
    if not math.isnan(history.epoch_acc[-1]):
        text += f", training accuracy {history.epoch_acc[-1]:.1%}"
    if history.test_acc and not math.isnan(history.test_acc[-1]):
        text += f", test accuracy {history.test_acc[-1]:.1%}"
    return text + "."


def _call(callbacks, history: History) -> bool:
    """Run every callback; False if one of them returned False (a request to stop)."""
    keep_going = True
    for callback in callbacks:
        if callback(history) is False:
            keep_going = False
    return keep_going


def _backward_without_input_grad(model):
    """model.backward, told to skip dL/dX of the data where the model supports that."""
    if isinstance(model, (Linear, Sequential)):
        return lambda dY: model.backward(dY, input_grad=False)
    return model.backward


def evaluate(model, X, y, loss_fn=None) -> tuple[float, float]:
    """Loss and accuracy of ``model`` on (X, y) in one forward pass; nothing is updated.

    X: (N, n_in); y: (N,) integer labels or (N, n_out) targets. loss_fn defaults to
    SoftmaxCrossEntropy() for integer labels and MSELoss() otherwise. The accuracy is a
    fraction from 0 to 1, or NaN when y does not hold class labels.
    """
    if loss_fn is None:  # 1-D y: class labels (checked to be integers); 2-D y: targets
        loss_fn = SoftmaxCrossEntropy() if np.ndim(y) == 1 else MSELoss()
    X, y, _, _ = _check_train_args(model, loss_fn, None, X, y, None, None)
    with np.errstate(all="ignore"):
        return _evaluate(model, X, y, loss_fn)


def _evaluate(model, X, y, loss_fn) -> tuple[float, float]:
    y_hat = model.forward(X)
    loss = loss_fn.forward(y_hat, y)
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        return loss, float(np.mean(y_hat.argmax(axis=1) == y))
    return loss, math.nan


# ---- argument checks (once, before the loop) ----

def _model_dtype(model) -> type:
    params = list(model.params.values())
    return params[0].dtype.type if params else np.float32


def _linear_layers(model) -> list[Linear]:
    if isinstance(model, Linear):
        return [model]
    if isinstance(model, Sequential):
        return [lin for layer in model.layers for lin in _linear_layers(layer)]
    return []


def _check_train_args(model, loss_fn, optimizer, X, y, X_test, y_test):
    """Check the arguments of train/evaluate; return X, y (and the test set) ready for the loop."""
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a Layer (e.g. mlp([784, 128, 10])); "
                        f"got {type(model).__name__}")
    if not (hasattr(loss_fn, "forward") and hasattr(loss_fn, "backward")):
        raise TypeError(f"loss_fn must be a loss such as SoftmaxCrossEntropy() or MSELoss(); "
                        f"got {loss_fn!r}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer (e.g. SGD(model.parameters(), lr=0.1)); "
                        f"got {type(optimizer).__name__}")
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together (or neither)")
    X, y = _check_data(model, loss_fn, X, y, ("X", "y"))
    if X_test is not None:
        X_test, y_test = _check_data(model, loss_fn, X_test, y_test, ("X_test", "y_test"))
    return X, y, X_test, y_test


def _check_data(model, loss_fn, X, y, names):
    x_name, y_name = names
    X = check_array(x_name, X, ndim=2, finite=False)
    _check_finite(x_name, X)
    y = check_array(y_name, y)
    check_same_length(X, y, names)
    if len(X) == 0:
        raise ValueError(f"{x_name} must hold at least one example; got shape {X.shape}")
    linears = _linear_layers(model)
    if linears and X.shape[1] != linears[0].n_in:
        raise ValueError(
            f"{x_name} has shape {X.shape} but the model's first Linear layer expects "
            f"{linears[0].n_in} columns (its W has shape {linears[0].params['W'].shape})"
        )
    n_out = linears[-1].n_out if linears else None
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        y = check_labels(y_name, y, n_out).astype(np.intp, copy=False)
    elif isinstance(loss_fn, MSELoss) and n_out is not None and y.shape[1:] != (n_out,):
        raise ValueError(f"{y_name} must have shape ({len(y)}, {n_out}) to match the model's "
                         f"output for loss_fn=MSELoss(); got shape {y.shape}")
    dtype = _model_dtype(model)
    X = np.ascontiguousarray(X, dtype=dtype)  # converted once here, never inside the loop
    if not isinstance(loss_fn, SoftmaxCrossEntropy) and y.dtype.kind in "iuf":
        y = np.ascontiguousarray(y, dtype=dtype)
    return X, y


def _check_finite(name: str, X: np.ndarray) -> None:
    """Raise ValueError if X holds NaN or inf; one pass over X with no temporary array."""
    with np.errstate(all="ignore"):
        if np.isfinite(X.sum()):  # a NaN or inf anywhere makes the sum NaN or inf
            return
    check_array(name, X)  # the sum may also have overflowed: look at every entry


def _check_optimizer_holds_model(optimizer, model) -> None:
    """Every array the optimizer updates must be one of the model's parameters (the same object):
    an optimizer built on another model (or on a model since rebuilt) would train nothing."""
    own = {id(param) for param in model.params.values()}
    foreign = [i for i, (param, _) in enumerate(optimizer.params) if id(param) not in own]
    if foreign or (own and not optimizer.params):
        raise ValueError(
            f"optimizer must be built on this model's parameters, e.g. "
            f"SGD(model.parameters(), lr=0.1); got {optimizer!r}, whose params "
            f"{foreign[:5] if foreign else '[]'} are not arrays of this model (was the model "
            "built again after the optimizer?)"
        )


def _check_callbacks(callbacks) -> tuple:
    if callbacks is None:
        return ()
    if callable(callbacks):
        callbacks = (callbacks,)
    if not np.iterable(callbacks) or isinstance(callbacks, str):
        raise TypeError(f"callbacks must be a function cb(history) or a list of them; got "
                        f"{callbacks!r} ({type(callbacks).__name__})")
    callbacks = tuple(callbacks)
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callbacks[{i}] must be a function cb(history); got {callback!r}")
    return callbacks
