"""Notebook 05's MNIST experiment: the pure run, the measurements and the Train panel, headless."""

import re

import numpy as np
import pytest

from helpers import experiment
from helpers.data import load_mnist
from helpers.figures import mnist as mnist_figures
from helpers.lab import mnist
from helpers.panels import mnist as mnist_panel
from helpers.train import History

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def sample():
    return load_mnist("sample", verbose=False)


@pytest.fixture(scope="module")
def small(sample):
    """600 training, 150 validation and 200 test digits: enough to learn something in a
    fraction of a second."""
    return experiment.SplitMNIST(sample.X_train[:600], sample.y_train[:600], sample.X_test[:200],
                                 sample.y_test[:200], "sample", "600/150/200 digits of the sample",
                                 X_val=sample.X_train[600:750], y_val=sample.y_train[600:750])


def run_small(small, **settings):
    config = {"num_epochs": 2, "hidden": 32, **settings}
    return experiment.run_experiment(small, **config)


# ---- run_experiment ----------------------------------------------------------------------------

def test_default_configuration_reaches_92_percent_on_the_sample(sample):
    result = experiment.run_experiment(sample)
    assert result["status"] == "ok"
    assert result["val_acc"] >= 0.92
    assert result["num_steps"] == 200 * mnist_panel.DEFAULTS["num_epochs"]


def test_the_same_seed_gives_the_same_run(small):
    first, second = run_small(small), run_small(small)
    assert first["val_acc"] == second["val_acc"]
    assert first["history"].step_loss == second["history"].step_loss


def test_another_seed_gives_another_run(small):
    assert run_small(small)["history"].step_loss != run_small(small, seed=1)["history"].step_loss


def test_the_result_holds_the_settings_and_the_numbers(small):
    result = run_small(small, lr=0.05, batch_size=32, optimizer="momentum")
    assert (result["lr"], result["batch_size"], result["optimizer"]) == (0.05, 32, "momentum")
    assert result["num_steps"] == 2 * 19  # ceil(600 / 32) = 19 updates per epoch
    assert 0 < result["train_loss"] < 2.3 and 0.1 < result["val_acc"] <= 1
    assert result["seconds"] > 0
    assert result["message"].startswith("Validation accuracy")


@pytest.mark.parametrize("optimizer", mnist_panel.OPTIMIZERS)
def test_every_optimizer_trains(small, optimizer):
    lr = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01}.get(optimizer, 0.001)
    result = run_small(small, optimizer=optimizer, lr=lr)
    assert result["status"] == "ok" and result["val_acc"] > 0.5


@pytest.mark.parametrize("lr", [3.0, 10.0])
def test_too_large_a_learning_rate_says_the_loss_blew_up(small, lr):
    result = run_small(small, lr=lr)
    assert result["status"] == "blew_up"
    assert result["level"] == "error"
    assert "blew up" in result["message"] and "too large" in result["message"]


def test_adam_with_a_huge_learning_rate_is_reported_not_raised(small):
    result = run_small(small, optimizer="adam", lr=10.0)
    assert result["status"] in ("blew_up", "diverged")


@pytest.mark.parametrize(
    ("setting", "pattern"),
    [({"lr": -0.1}, "lr"), ({"batch_size": 0}, "batch_size"), ({"batch_size": 601}, "batch_size"),
     ({"num_epochs": 0}, "num_epochs"), ({"hidden": 0}, "hidden"),
     ({"optimizer": "lbfgs"}, "optimizer")],
)
def test_bad_settings_are_named_in_the_error(small, setting, pattern):
    with pytest.raises(ValueError, match=pattern):
        run_small(small, **setting)


def test_a_schedule_changes_the_learning_rate(small):
    from helpers.schedules import CosineAnnealingLR

    seen = []
    result = run_small(small, schedule=lambda opt, n: CosineAnnealingLR(opt, T_max=n),
                       callbacks=(lambda h: seen.append(h.num_steps),), log_every=5)
    assert result["status"] == "ok" and seen


# ---- the measurements --------------------------------------------------------------------------

def test_batch_size_sweep_measures_every_batch_size(small):
    rows = mnist.batch_size_sweep(small, [1, 16, 600], n_train=600, budget_seconds=0.01,
                                  hidden=32)
    assert [r["batch_size"] for r in rows] == [1, 16, 600]
    assert [r["updates_per_epoch"] for r in rows] == [600, 38, 1]
    for row in rows:
        assert row["seconds_per_epoch"] > 0 and row["steps_in_budget"] >= 1
        assert 0 <= row["acc_epochs"] <= 1 and 0 <= row["acc_budget"] <= 1
    assert rows[1]["acc_epochs"] > rows[2]["acc_epochs"]  # 38 updates beat 1


def test_batch_size_sweep_accuracy_after_an_epoch_is_deterministic(small):
    first = mnist.batch_size_sweep(small, [8, 64], budget_seconds=0.01, hidden=32)
    second = mnist.batch_size_sweep(small, [8, 64], budget_seconds=0.02, hidden=32)
    assert [r["acc_epochs"] for r in first] == [r["acc_epochs"] for r in second]


def test_batch_size_sweep_rejects_a_batch_larger_than_the_data(small):
    with pytest.raises(ValueError, match="batch_size"):
        mnist.batch_size_sweep(small, [1000], n_train=500)


def test_confusion_matrix_counts_true_down_predicted_across():
    counts = mnist.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], num_classes=3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert counts.sum() == 5


def test_confusion_matrix_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="same length"):
        mnist.confusion_matrix([0, 1], [0, 1, 2])


def test_most_confident_mistakes_are_wrong_and_sorted(small):
    model = run_small(small)["model"]
    worst = mnist.most_confident_mistakes(model, small.X_test, small.y_test, k=5)
    assert len(worst["index"]) == 5
    assert np.all(worst["predicted"] != worst["true"])
    assert np.all(np.diff(worst["confidence"]) <= 0)
    assert np.all(mnist.predict(model, small.X_test[worst["index"]]) == worst["predicted"])


def test_smoothed_loss_averages_about_a_tenth_of_an_epoch():
    history = History(step_loss=list(np.linspace(2, 1, 100)),
                      examples_seen=list(range(10, 1001, 10)))
    epochs, loss = experiment.smoothed_loss(history, n_train=1000)
    assert len(epochs) == len(loss) == 10  # 100 steps per epoch -> windows of 10
    assert epochs[-1] == pytest.approx(1.0)
    assert np.all(np.diff(loss) < 0)
    assert experiment.smoothed_loss(History(), 1000)[0].size == 0


def test_runs_table_has_a_header_and_one_row_per_run(small):
    runs = [run_small(small), run_small(small, lr=10.0)]
    table = mnist_panel.runs_table_html(runs)
    assert table.count("<tr") == 3
    for column in ("lr", "batch size", "epochs", "hidden", "optimizer", "final train loss",
                   "validation accuracy", "time (s)"):
        assert f">{column}<" in table
    assert mnist_panel.runs_table_html([]) == ""


def test_figures_draw_without_warnings(small):
    from matplotlib.figure import Figure

    result = run_small(small)
    mnist_figures.plot_confusion_matrix(mnist.confusion_matrix(small.y_test, mnist.predict(
        result["model"], small.X_test)))
    mnist_figures.show_weight_images(result["model"].layers[0].params["W"], num=16)
    fig = Figure()
    fig.subplots(1, 2)
    mnist_figures.plot_runs(fig, [result], n_train=600)
    mnist_figures.plot_runs(fig, [], n_train=600)


# ---- the panel ----------------------------------------------------------------------------------

@pytest.fixture
def panel(small):
    return mnist_panel.make_panel(small, hidden=32, num_epochs=2)


def test_panel_starts_empty_with_a_train_button_and_a_progress_bar(panel):
    assert panel.train_button.description == "Train"
    assert panel.progress in panel.children
    assert panel.runs == [] and panel.state is None and panel.table.value == ""
    assert panel.image.value  # the empty figure is shown
    assert "Train" in panel.message_text


def test_pressing_train_adds_a_row_and_fills_the_progress_bar(panel):
    panel.train_button.click()
    assert panel.state is not None and len(panel.runs) == 1
    assert panel.table.value.count("<tr") == 2
    assert panel.progress.value == panel.progress.max == panel.state["num_steps"]
    assert panel.message_text.startswith("Run 1: Validation accuracy")
    assert not panel.train_button.disabled


def test_the_figure_is_redrawn_while_training(small):
    panel = mnist_panel.make_panel(small, hidden=32, num_epochs=3, redraw_seconds=0.0)
    before = panel.frames_drawn
    panel.train_button.click()
    assert panel.frames_drawn - before >= 3  # the empty run, live frames, the final figure


def test_runs_with_the_same_settings_and_seed_agree(panel):
    panel.train_button.click()
    panel.train_button.click()
    first, second = panel.runs
    assert first["val_acc"] == second["val_acc"]
    assert panel.table.value.count("<tr") == 3


def test_clear_empties_the_table(panel):
    panel.train_button.click()
    panel.clear_button.click()
    assert panel.runs == [] and panel.table.value == "" and panel.state is None


def test_too_large_a_learning_rate_gives_a_message_not_a_traceback(panel):
    slider = panel.controls["lr"]
    slider.value = slider.base**slider.max  # a log slider's min and max are exponents
    assert slider.value == pytest.approx(10.0)
    panel.train_button.click()
    assert panel.state["status"] == "blew_up"
    assert re.search(r"blew up.*too large", panel.message_text)
    assert panel.progress.bar_style == "danger"


@pytest.mark.parametrize(
    ("name", "end"),
    [("lr", "min"), ("lr", "max"), ("batch_size", "first"), ("batch_size", "last"),
     ("num_epochs", "min"), ("num_epochs", "max"), ("hidden", "first"), ("hidden", "last")],
)
def test_every_slider_extreme_trains_and_reports(small, name, end):
    panel = mnist_panel.make_panel(small, hidden=16, num_epochs=1, batch_size=64)
    control = panel.controls[name]
    if name == "lr":  # a log slider's min and max are exponents
        control.value = control.base ** getattr(control, end)
    elif end in ("min", "max"):
        control.value = getattr(control, end)
    else:
        control.value = control.options[0 if end == "first" else -1]
    if name == "num_epochs":
        panel.controls["batch_size"].value = 600  # 20 epochs of one full-batch step each
    panel.train_button.click()
    assert panel.state is not None, "training raised; the callback swallowed it"
    assert panel.state[name] == pytest.approx(control.value)
    assert panel.message_text.startswith("Run 1:")


@pytest.mark.parametrize("optimizer", mnist_panel.OPTIMIZERS)
def test_every_optimizer_in_the_menu_trains(small, optimizer):
    panel = mnist_panel.make_panel(small, hidden=16, num_epochs=1)
    panel.controls["optimizer"].value = optimizer
    panel.train_button.click()
    assert panel.state["optimizer"] == optimizer


def test_a_learning_rate_too_small_to_learn_says_so(small):
    result = run_small(small, lr=1e-4, num_epochs=1, hidden=16)  # 38 updates, the loss flat
    assert result["status"] == "ok" and result["level"] == "warn"
    assert "too small" in result["message"]
    assert "too large" not in result["message"] and "too few" not in result["message"]


def test_a_rising_loss_at_the_largest_lr_is_not_blamed_on_a_small_lr(sample):
    # the reviewer's case: lr 10, one full-batch update, the loss rose from 2.32 to 2.57
    result = experiment.run_experiment(sample, lr=10.0, batch_size=3200, num_epochs=1, hidden=16)
    assert result["status"] == "ok" and result["level"] == "warn"
    message = result["message"]
    assert "went up" in message and "too large" in message and "too small" not in message
    assert "1 update of batch size 3200" in message and "1 update is too few" in message


def test_too_few_updates_say_so_not_that_the_lr_is_too_small(small):
    result = run_small(small, lr=0.01, batch_size=600, num_epochs=1)  # one update
    assert result["level"] == "warn"
    assert "1 update is too few" in result["message"]
    assert "more epochs or a smaller batch size" in result["message"]
    assert "too small" not in result["message"] and "too large" not in result["message"]


@pytest.mark.parametrize(
    ("lr", "train_loss", "num_steps", "says", "never"),
    [(0.5, 2.8, 200, "too large", "too small"),  # the loss went up: too large, though lr < 1
     (1e-3, 2.25, 10, "10 updates are too few", "too small"),
     (1e-3, 2.25, 200, "too small", "too large"),  # the loss fell, slowly
     (5.0, 2.25, 200, "10× smaller", "too small")],  # the loss fell, but lr is large
)
def test_why_a_run_ended_at_chance(lr, train_loss, num_steps, says, never):
    run = {"lr": lr, "val_acc": 0.1, "num_epochs": 1, "batch_size": 16, "optimizer": "sgd",
           "train_loss": train_loss, "num_steps": num_steps}
    verdict = experiment._verdict(History(step_loss=[2.3] * num_steps), run)
    assert verdict["status"] == "ok" and verdict["level"] == "warn"
    assert says in verdict["message"] and never not in verdict["message"]


def test_a_single_update_still_draws_a_loss_marker(small):
    from matplotlib.figure import Figure

    result = run_small(small, batch_size=600, num_epochs=1)
    fig = Figure()
    fig.subplots(1, 2)
    mnist_figures.plot_runs(fig, [result], n_train=600)
    (line,) = fig.axes[0].lines
    assert len(line.get_xdata()) == 1 and line.get_marker() == "o"


def test_counts_are_pluralised():
    assert [experiment.plural(n, "update") for n in (1, 2, 4000)] == [
        "1 update", "2 updates", "4,000 updates"]


@pytest.mark.parametrize(("batch_size", "status"), [(1, "ok"), (64, "blew_up")])
def test_one_spike_is_a_blow_up_only_when_it_averages_64_examples(batch_size, status):
    losses = [2.3] * 200
    losses[100] = 30.0  # one bad minibatch: a single example with B = 1, 64 examples with B = 64
    run = {"lr": 0.1, "val_acc": 0.9, "num_epochs": 1, "batch_size": batch_size,
           "optimizer": "sgd", "train_loss": 0.3, "num_steps": 200}
    assert experiment._verdict(History(step_loss=losses), run)["status"] == status


def test_sweep_times_leave_the_evaluations_out(small):
    (row,) = mnist.batch_size_sweep(small, [600], budget_seconds=0.01, hidden=32)
    assert row["seconds_per_epoch"] == pytest.approx(row["seconds_per_update"])  # one update
    assert row["seconds_per_update"] > 0


def test_compare_sampling_reports_the_unseen_fraction(small):
    rows = mnist.compare_sampling(small, num_epochs=2, hidden=16, batch_size=32)
    assert rows["shuffle"]["never_seen"] == 0
    assert 0.3 < rows["replacement"]["never_seen"] < 0.43  # about 1/e of the digits
    assert all(0 < row["val_acc"] <= 1 for row in rows.values())


def test_subset_keeps_the_test_set(small):
    part = mnist.subset(small, 100)
    assert len(part.X_train) == len(part.y_train) == 100
    assert part.X_test is small.X_test
    with pytest.raises(ValueError, match="n_train"):
        mnist.subset(small, 601)


# ---- issue 11: one "blew up" for the package; labels checked by name ----

def test_a_run_that_train_stopped_for_blowing_up_is_reported_as_blown_up():
    # train() judged the blow-up (mean of the last window); the panel must not call it "ok"
    history = History(step_loss=[2.3] * 8, examples_seen=list(range(16, 144, 16)),
                      status="blew_up", message="Training stopped at step 9 ...")
    run = {"lr": 5.0, "val_acc": 0.1, "num_epochs": 1, "batch_size": 16,
           "optimizer": "sgd", "train_loss": 2.3, "num_steps": 8}
    verdict = experiment._verdict(history, run)
    assert verdict["status"] == "blew_up" and "blew up" in verdict["message"]


def test_a_huge_learning_rate_blows_up_and_stops_early(small):
    result = run_small(small, lr=1e6)
    assert result["status"] == "blew_up" and "too large" in result["message"]
    assert result["history"].status == "blew_up"  # train() itself stopped the run


@pytest.mark.parametrize(("y_true", "pattern"), [
    ([0, 12], r"y_true must hold class labels from 0 to 9; got labels from 0 to 12"),
    ([-1, 2], r"y_true must hold class labels from 0 to 9; got labels from -1 to 2"),
    ([0.5, 2.0], "y_true must be a 1-D array of integer class labels"),
])
def test_confusion_matrix_names_bad_labels_instead_of_miscounting(y_true, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        mnist.confusion_matrix(y_true, [0, 1])


# ---- issue 12 and 14.8: the table and the figures live in helpers.figures.mnist ----

def test_the_runs_table_is_drawn_by_the_figures_module(small):
    runs = [run_small(small)]
    assert mnist_panel.runs_table_html is mnist_figures.runs_table_html
    assert mnist_figures.runs_table_html(runs).count("<tr") == 2


def _sweep_rows(scale=1.0):
    sizes, ms = [1, 4, 16, 64], [0.3, 0.35, 0.6, 1.6]
    return [{"batch_size": b, "seconds_per_update": 1e-3 * t * scale,
             "seconds_per_epoch": 1e-3 * t * scale * -(-640 // b), "acc_epochs": 0.5 + 0.01 * i,
             "acc_budget": 0.4 + 0.02 * i} for i, (b, t) in enumerate(zip(sizes, ms))]


def test_the_sweep_figure_gives_each_quantity_its_own_axis_and_unit():
    from matplotlib.figure import Figure

    fig = Figure()
    ax_update, ax_example, ax_acc = mnist_figures.plot_batch_size_sweep(
        [_sweep_rows(), _sweep_rows(1.2), _sweep_rows(0.8)], n_train=640, budget_seconds=0.15,
        fig=fig)
    assert "(ms)" in ax_update.get_ylabel() and "µs" not in ax_update.get_ylabel()
    assert "(µs)" in ax_example.get_ylabel() and "ms" not in ax_example.get_ylabel()
    assert "%" in ax_acc.get_ylabel()
    (line,) = ax_update.get_lines()
    assert np.allclose(line.get_ydata(), [0.3, 0.35, 0.6, 1.6])  # the median seed, in ms
    (line,) = ax_example.get_lines()
    assert np.allclose(line.get_ydata()[0], 1e3 * 0.3 * 640 / 640)  # B = 1: µs per example
    assert len(ax_update.get_yticks()) >= 2 and len(ax_example.get_yticks()) >= 2


def test_the_sweep_figure_draws_a_single_seed_too():
    axes = mnist_figures.plot_batch_size_sweep([_sweep_rows()], n_train=640, budget_seconds=0.1)
    assert len(axes) == 3


def test_digit_captions_sit_above_the_images_not_on_them(small):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = mnist_figures.show_digit_grid(small.X_test[:7], [f"true {d}\nread 0" for d in
                                                            small.y_test[:7]], ncols=5, fig=fig)
    assert len(axes) == 7 and len(fig.axes) == 10  # 2 rows of 5, the last 3 left empty
    for ax, digit in zip(axes, small.y_test[:7]):
        assert ax.get_title() == f"true {digit}\nread 0"
        assert not ax.texts  # nothing written over the digit itself
        assert ax.images[0].get_array().shape == (28, 28)


def test_digit_grid_wants_one_caption_per_image(small):
    with pytest.raises(ValueError, match="captions"):
        mnist_figures.show_digit_grid(small.X_test[:3], ["a", "b"])
    with pytest.raises(ValueError, match="images"):
        mnist_figures.show_digit_grid(np.zeros((2, 10)), ["a", "b"])


def test_the_confusion_colour_bar_reads_in_shares_not_square_roots():
    ax = mnist_figures.plot_confusion_matrix(np.array([[8, 2], [1, 9]]))
    bar = ax.figure.axes[-1]
    labels = [t.get_text() for t in bar.get_yticklabels()]
    assert labels[0] == "0%" and labels[-1] == "100%" and "20%" in labels
    assert np.isclose(bar.get_yticks()[labels.index("20%")], np.sqrt(0.2))


def test_the_runs_figure_labels_the_loss_axis_finely_and_counts_epochs_in_whole_numbers(small):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots(1, 2)
    mnist_figures.plot_runs(fig, [run_small(small, num_epochs=3)], n_train=600)
    ax_loss, ax_acc = fig.axes
    low, high = ax_loss.get_ylim()
    inside = [t for t in ax_loss.get_yticks() if low <= t <= high]
    assert len(inside) >= 3  # 0.2, 0.5, 1, ... not only one label per decade
    assert all(float(t).is_integer() for t in ax_acc.get_xticks())
