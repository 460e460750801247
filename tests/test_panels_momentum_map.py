"""Notebook 06's (lr, β) map panel, without a browser: slider extremes give a map and a sentence."""

import matplotlib
import pytest

from helpers.panels import momentum_map as panel_module


@pytest.fixture(scope="module")
def panel():
    matplotlib.use("Agg")
    return panel_module.make_panel()


def test_opens_on_the_noise_free_map_with_the_optimum_named(panel):
    state = panel.state
    assert "Closest after" in panel.message_text and "lr*" in panel.message_text
    beta_star, lr_star = state["optimum"]
    assert beta_star == pytest.approx(4 / 9) and lr_star == pytest.approx(1 / 9)
    assert panel.image.value[:4] == b"\x89PNG"


@pytest.mark.parametrize("kappa, noise", [(1.0, 0.0), (1000.0, 0.0), (25.0, 0.5), (1.0, 0.5)])
def test_slider_extremes_give_a_figure_and_a_sentence(panel, kappa, noise):
    before = panel.image.value
    with panel.hold_refresh():
        panel.controls["kappa"].value = kappa
        panel.controls["noise"].value = noise
    assert panel.message_text and "Traceback" not in panel.message_text
    assert panel.image.value != before


def test_noise_moves_the_best_pair_to_a_smaller_effective_step():
    from helpers.theory import effective_lr

    quiet, noisy = panel_module.compute(25.0, 0.0), panel_module.compute(25.0, 0.1)
    (b0, l0), (b1, l1) = quiet["best"], noisy["best"]
    assert effective_lr(l1, b1) < 0.3 * effective_lr(l0, b0)  # 0.2 against about 0.02


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="kappa"):
        panel_module.compute(0.5, 0.0)
    with pytest.raises(ValueError, match="noise"):
        panel_module.compute(25.0, -1.0)
