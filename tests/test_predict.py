"""Predict, then run: the answer is never shown before a prediction is committed."""

import pytest

from helpers.predict import predict


def test_a_choice_is_compared_only_after_it_is_committed():
    guess = predict("Which lr needs the fewest steps?", ["0.1", "0.5", "0.9"])
    guess.reveal("0.5", "one step lands on the minimum")
    assert "0.5" not in guess.message and "one step" not in guess.message  # nothing given away
    assert guess.is_right() is None
    guess.commit("0.9")
    assert guess.is_right() is False
    assert "Not quite" in guess.message and "0.9" in guess.message and "0.5" in guess.message
    assert "one step lands" in guess.message
    assert guess.input.disabled and guess.button.disabled  # a committed guess stays committed


def test_commit_before_reveal_then_reveal():
    guess = predict("Which lr needs the fewest steps?", ["0.1", "0.5"])
    guess.commit("0.5")
    assert "Committed: 0.5" in guess.message
    guess.reveal("0.5")
    assert guess.is_right() is True and guess.message.startswith("Right.")


def test_the_button_commits_the_selected_option():
    guess = predict("Pick one", ["a", "b"])
    guess.button.click()  # nothing selected yet
    assert guess.guess is None and "Choose an answer first" in guess.message
    guess.input.value = "b"
    guess.button.click()
    assert guess.guess == "b"


def test_a_number_is_judged_by_the_factor_it_is_off_by():
    guess = predict("How many steps?", number=True, unit="steps", tolerance=1.5)
    guess.commit(100)
    guess.reveal(117)
    assert guess.is_right() is True
    assert "117 steps" in guess.message
    far = predict("How many steps?", number=True, unit="steps")
    far.commit(20)
    far.reveal(117)
    assert far.is_right() is False and "too low" in far.message


@pytest.mark.parametrize("kwargs, error", [
    ({"question": ""}, TypeError),
    ({"question": "q"}, ValueError),  # neither choices nor number
    ({"question": "q", "choices": ["a"]}, ValueError),
    ({"question": "q", "choices": ["a", "a"]}, ValueError),
    ({"question": "q", "number": True, "tolerance": 1.0}, ValueError),
    ({"question": "q", "number": True, "tolerance": "x"}, TypeError),
])
def test_bad_arguments_are_named(kwargs, error):
    with pytest.raises(error) as info:
        predict(**kwargs)
    assert any(word in str(info.value) for word in ("question", "choices", "tolerance"))


def test_bad_answers_are_named():
    guess = predict("q", ["a", "b"])
    with pytest.raises(ValueError, match="answer must be one of"):
        guess.reveal("c")
    with pytest.raises(ValueError, match="value must be one of"):
        guess.commit("c")
    number = predict("q", number=True)
    with pytest.raises(ValueError, match="answer"):
        number.reveal(-1.0)
