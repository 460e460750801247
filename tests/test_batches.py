"""Minibatches: every example once per epoch, reshuffled each epoch, reproducible by seed."""

import numpy as np
import pytest

from helpers.batches import as_rng, iterate_minibatches, minibatches

N = 50


@pytest.mark.parametrize("batch_size", [1, 7, N - 1, N])
def test_an_epoch_visits_every_index_exactly_once(batch_size):
    batches = list(minibatches(N, batch_size, np.random.default_rng(0)))
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(N))


@pytest.mark.parametrize("batch_size", [1, 7, N - 1, N])
def test_batches_are_full_except_possibly_the_last(batch_size):
    sizes = [len(b) for b in minibatches(N, batch_size, 0)]
    assert len(sizes) == -(-N // batch_size)  # ceil(N / batch_size)
    assert all(size == batch_size for size in sizes[:-1])
    assert sizes[-1] == N - batch_size * (len(sizes) - 1)


def test_each_epoch_draws_a_new_order_from_the_generator():
    rng = np.random.default_rng(0)
    first = np.concatenate(list(minibatches(N, 10, rng)))
    second = np.concatenate(list(minibatches(N, 10, rng)))
    assert not np.array_equal(first, second)


def test_the_order_is_shuffled():
    order = np.concatenate(list(minibatches(N, 10, 0)))
    assert not np.array_equal(order, np.arange(N))


def test_the_same_seed_gives_the_same_order():
    a = np.concatenate(list(minibatches(N, 10, 3)))
    b = np.concatenate(list(minibatches(N, 10, np.random.default_rng(3))))
    np.testing.assert_array_equal(a, b)


def test_iterate_minibatches_keeps_rows_of_X_and_y_together():
    X = np.arange(N * 2).reshape(N, 2)
    y = 10 * np.arange(N)
    pairs = list(iterate_minibatches(X, y, 8, 0))
    assert sum(len(y_batch) for _, y_batch in pairs) == N
    for X_batch, y_batch in pairs:
        np.testing.assert_array_equal(X_batch[:, 0] * 5, y_batch)  # row i of X is (2i, 2i + 1)


def test_as_rng_passes_a_generator_through_and_seeds_an_integer():
    rng = np.random.default_rng(1)
    assert as_rng(rng) is rng
    assert as_rng(5).integers(1000) == np.random.default_rng(5).integers(1000)


# ---- bad input: raised when called, before the first batch is drawn ----

def test_batch_size_above_the_number_of_examples_is_refused():
    with pytest.raises(ValueError, match=f"batch_size must be an integer from 1 to {N}; got 51"):
        minibatches(N, N + 1, 0)


def test_batch_size_zero_is_refused():
    with pytest.raises(ValueError, match="batch_size must be an integer from 1"):
        minibatches(N, 0, 0)


def test_no_examples_is_refused():
    with pytest.raises(ValueError, match="n_examples must be an integer >= 1; got 0"):
        minibatches(0, 1, 0)


def test_rng_must_be_a_generator_or_a_seed():
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        minibatches(N, 5, "seed")


def test_X_and_y_must_have_the_same_number_of_rows():
    with pytest.raises(ValueError, match="X and y must have the same number of rows"):
        iterate_minibatches(np.zeros((5, 2)), np.zeros(4), 2, 0)


def test_one_run_of_epoch_order_is_the_shuffle_minibatches_cuts():
    from helpers.batches import epoch_order

    many = epoch_order(50, np.random.default_rng(3), num_runs=1)
    batches = list(minibatches(50, 7, np.random.default_rng(3)))
    np.testing.assert_array_equal(many[0], np.concatenate(batches))
    four = epoch_order(50, np.random.default_rng(3), num_runs=4)
    assert all(sorted(row) == list(range(50)) for row in four)  # each run: every example once
    assert len({tuple(row) for row in four}) == 4  # and the runs are shuffled independently
    drawn = epoch_order(50, np.random.default_rng(3), replacement=True)
    assert drawn.shape == (50,) and len(set(drawn)) < 50  # with replacement: repeats
