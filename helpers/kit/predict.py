"""Predict, then run: a question the learner answers before a measurement is shown (skip this file).

A notebook asks before its key experiment::

    guess = predict("Which learning rate needs the fewest steps?", choices=["0.1", "0.5", "0.9"])

then runs the experiment, and after it hands the measured answer over::

    guess.reveal("0.5", "lr = 0.5 lands on the minimum in one step")

The widget never shows the answer before the learner has committed a prediction: ``reveal``
only stores it. As soon as both are there (in either order), the widget compares them. A
prediction can be a choice (``choices=[...]``) or a number (``number=True``); a number is judged
by the factor it is off by (right within ``tolerance``, a factor of 1.5 by default).
"""

from __future__ import annotations

import html
import math
import numbers

import ipywidgets as widgets

from .checks import check_positive

_COLORS = {"right": "#007a5a", "off": "#b3470a", "wait": "#333333"}


class Prediction:
    """One question, one committed guess, one revealed answer.

    question: the question (plain text). choices: the options, as strings; or number=True for a
    numeric guess (unit: a word shown after it, e.g. "steps"). tolerance: for numbers, the
    largest factor between guess and answer that still counts as right (> 1).
    """

    def __init__(self, question: str, choices=None, *, number: bool = False, unit: str = "",
                 tolerance: float = 1.5):
        if not isinstance(question, str) or not question.strip():
            raise TypeError(f"question must be a non-empty string; got {question!r}")
        if (choices is None) == (not number):
            raise ValueError("give either choices=[...] or number=True (one of the two); got "
                             f"choices={choices!r}, number={number!r}")
        if choices is not None:
            choices = [str(c) for c in choices]
            if len(choices) < 2 or len(set(choices)) != len(choices):
                raise ValueError(f"choices must hold at least two different options; got {choices}")
        self.tolerance = check_positive("tolerance", tolerance)
        if self.tolerance <= 1:
            raise ValueError(f"tolerance must be a factor larger than 1; got {tolerance!r}")
        self.question, self.choices, self.unit = question, choices, unit
        self.guess = None  # the committed prediction (a choice, or a float)
        self.answer = None  # the measured answer, set by reveal()
        self.explanation = ""

        if choices is not None:
            self.input = widgets.RadioButtons(options=choices, value=None,
                                              layout={"width": "max-content"})
        else:
            self.input = widgets.FloatText(value=None, description=unit or "your guess",
                                           layout={"width": "220px"})
        self.button = widgets.Button(description="Commit my prediction", button_style="info",
                                     layout={"width": "200px"})
        self.feedback = widgets.HTML()
        self.button.on_click(lambda _: self.commit(self.input.value))
        self.widget = widgets.VBox([
            widgets.HTML(f"<b>Predict first.</b> {html.escape(question)}"),
            self.input, self.button, self.feedback])
        self._show()

    # ---- what the learner does ----
    def commit(self, value) -> None:
        """Commit a prediction (what the button does); it cannot be changed afterwards."""
        if self.guess is not None:
            return
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            self._say("wait", "Choose an answer first, then commit it.")
            return
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"value must be one of {self.choices}; got {value!r}")
        if self.choices is None and (isinstance(value, bool)
                                     or not isinstance(value, numbers.Real)):
            raise TypeError(f"value must be a number; got {value!r}")
        self.guess = value if self.choices is not None else float(value)
        self.input.disabled = self.button.disabled = True
        self._show()

    # ---- what the notebook does after the measurement ----
    def reveal(self, answer, explanation: str = "") -> None:
        """Hand over the measured answer; it is shown only once a prediction is committed."""
        if self.choices is not None and str(answer) not in self.choices:
            raise ValueError(f"answer must be one of {self.choices}; got {answer!r}")
        if self.choices is None:
            answer = check_positive("answer", answer)
        self.answer = str(answer) if self.choices is not None else answer
        self.explanation = str(explanation)
        self._show()

    def is_right(self) -> bool | None:
        """True/False once both guess and answer are there, else None."""
        if self.guess is None or self.answer is None:
            return None
        if self.choices is not None:
            return self.guess == self.answer
        if self.guess <= 0:
            return False
        return max(self.guess / self.answer, self.answer / self.guess) <= self.tolerance

    def _show(self) -> None:
        if self.guess is None:
            if self.answer is None:
                self._say("wait", "Choose your answer and commit it, then run the experiment "
                          "below.")
            else:
                self._say("wait", "The measurement below is done: commit your answer to see "
                          "how it compares.")
        elif self.answer is None:
            self._say("wait", f"Committed: {self._fmt(self.guess)}. Run the experiment below.")
        else:
            verdict = "right" if self.is_right() else "off"
            head = "Right." if verdict == "right" else "Not quite."
            detail = self._off_by() if self.choices is None else ""
            self._say(verdict, f"{head} You predicted {self._fmt(self.guess)}; measured: "
                      f"{self._fmt(self.answer)}{detail}. {self.explanation}".strip())

    def _off_by(self) -> str:
        if self.guess <= 0:
            return ""
        factor = max(self.guess / self.answer, self.answer / self.guess)
        return f" (a factor {factor:.2g} {'too high' if self.guess > self.answer else 'too low'})"

    def _fmt(self, value) -> str:
        if isinstance(value, str):
            return value
        text = f"{value:.3g}"
        return f"{text} {self.unit}".strip()

    def _say(self, kind: str, text: str) -> None:
        self.feedback.value = f'<span style="color:{_COLORS[kind]}">{html.escape(text)}</span>'
        self.message = text

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def predict(question: str, choices=None, *, number: bool = False, unit: str = "",
            tolerance: float = 1.5) -> Prediction:
    """Ask ``question`` before a measurement; returns the Prediction (displayed in a notebook)."""
    return Prediction(question, choices, number=number, unit=unit, tolerance=tolerance)
