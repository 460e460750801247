"""The mini-batch sampler: an epoch visits every example once; independent batches are drawn
as they say (helpers/batches.py)."""

import numpy as np
import pytest

from helpers.batches import epoch_order, minibatches, random_batches


def rng(seed=0):
    return np.random.default_rng(seed)


def test_an_epoch_visits_every_example_exactly_once():
    batches = list(minibatches(100, 10, rng()))
    assert [len(b) for b in batches] == [10] * 10
    assert sorted(np.concatenate(batches)) == list(range(100))


def test_the_last_batch_holds_what_is_left():
    batches = list(minibatches(10, 4, rng()))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))


def test_batch_size_one_is_pure_sgd_and_n_is_full_batch_gradient_descent():
    assert [len(b) for b in minibatches(5, 1, rng())] == [1] * 5
    (whole,) = minibatches(5, 5, rng())
    assert sorted(whole) == [0, 1, 2, 3, 4]


def test_each_epoch_draws_a_fresh_order_and_a_seed_repeats_it():
    generator = rng(3)
    first, second = (np.concatenate(list(minibatches(50, 8, generator))) for _ in range(2))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.concatenate(list(minibatches(50, 8, rng(3)))), first)


def test_epoch_order_is_the_very_order_minibatches_cuts():
    np.testing.assert_array_equal(epoch_order(30, rng(5)),
                                  np.concatenate(list(minibatches(30, 7, rng(5)))))


def test_epoch_order_with_num_runs_shuffles_each_run_on_its_own():
    orders = epoch_order(20, rng(), num_runs=50)
    assert orders.shape == (50, 20)
    assert all(sorted(row) == list(range(20)) for row in orders)  # each row: every example once
    assert len({tuple(row) for row in orders}) == 50  # the runs differ
    # over many runs, every example is about equally often first
    counts = np.bincount(epoch_order(10, rng(1), num_runs=20_000)[:, 0], minlength=10)
    assert counts.min() > 1800 and counts.max() < 2200


def test_epoch_order_with_replacement_draws_uniform_indices_with_repeats():
    orders = epoch_order(20, rng(), num_runs=100, replacement=True)
    assert orders.shape == (100, 20) and orders.min() >= 0 and orders.max() < 20
    assert any(len(set(row)) < 20 for row in orders)


def test_random_batches_hold_distinct_examples_without_replacement():
    batches = random_batches(30, 8, (200, 3), rng())
    assert batches.shape == (200, 3, 8)
    assert all(len(set(b)) == 8 for b in batches.reshape(-1, 8))
    assert batches.min() >= 0 and batches.max() < 30


def test_random_batches_are_uniform_subsets():
    batches = random_batches(10, 3, 30_000, rng(2))
    counts = np.bincount(batches.ravel(), minlength=10)
    np.testing.assert_allclose(counts / counts.sum(), 0.1, atol=0.005)
    pairs = np.bincount((batches[:, 0] * 10 + batches[:, 1]), minlength=100).reshape(10, 10)
    assert np.all(np.diag(pairs) == 0)  # no example twice in a batch


@pytest.mark.parametrize("batch_size, replacement", [(1, False), (4, True)])
def test_random_batches_of_one_or_with_replacement_draw_each_index_uniformly(batch_size,
                                                                              replacement):
    batches = random_batches(6, batch_size, (5000,), rng(4), replacement=replacement)
    assert batches.shape == (5000, batch_size)
    counts = np.bincount(batches.ravel(), minlength=6) / batches.size
    np.testing.assert_allclose(counts, 1 / 6, atol=0.02)
    if replacement:
        assert any(len(set(b)) < batch_size for b in batches)
