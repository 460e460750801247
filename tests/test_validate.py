"""Bad input raises an error that names the argument, the value and what is allowed."""

import math

import numpy as np
import pytest

from helpers import validate


@pytest.mark.parametrize("lr", [0, -0.1, math.inf, math.nan])
def test_a_learning_rate_must_be_positive_and_finite(lr):
    with pytest.raises(ValueError, match=r"lr must be a positive finite number; got"):
        validate.check_lr(lr)


@pytest.mark.parametrize("lr", ["0.1", None, True])
def test_a_learning_rate_must_be_a_number(lr):
    with pytest.raises(TypeError, match="lr must be a number"):
        validate.check_lr(lr)


def test_a_good_learning_rate_comes_back_as_a_float():
    assert validate.check_lr(np.float32(0.5)) == 0.5


@pytest.mark.parametrize("batch_size", [0, -3, 101])
def test_batch_size_must_lie_between_one_and_the_number_of_examples(batch_size):
    allowed = "batch_size must be an integer from 1 to 100"
    with pytest.raises(ValueError, match=rf"{allowed}; got {batch_size}"):
        validate.check_batch_size(batch_size, 100)


def test_batch_size_must_be_an_integer():
    with pytest.raises(TypeError, match="batch_size must be an integer; got 2.5"):
        validate.check_batch_size(2.5, 100)


def test_negative_step_counts_are_refused():
    with pytest.raises(ValueError, match="num_steps must be an integer >= 0; got -1"):
        validate.check_int("num_steps", -1, low=0)


def test_unknown_names_list_what_is_allowed():
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'adam'; got 'adamw'"):
        validate.check_choice("optimizer", "adamw", ["sgd", "adam"])


def test_mismatched_rows_name_both_shapes():
    with pytest.raises(ValueError, match=r"X.shape=\(5, 2\) and y.shape=\(4,\)"):
        validate.check_same_length(np.zeros((5, 2)), np.zeros(4))


def test_arrays_with_nan_are_refused():
    with pytest.raises(ValueError, match="X must hold only finite numbers"):
        validate.check_array("X", [1.0, np.nan])


def test_arrays_of_the_wrong_rank_are_refused():
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\); got shape \(3,\)"):
        validate.check_array("X", [1, 2, 3], ndim=2)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 2])
def test_fractions_lie_in_zero_one(momentum):
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\)"):
        validate.check_fraction("momentum", momentum)
