"""IPython startup file of the fragility check (``make fragility``): it moves the floats the
notebooks start from by one unit in the last place, from outside the notebooks.

nbval runs every notebook once with HELPERS_NUDGE=up and once with HELPERS_NUDGE=down, each time
with this file in a temporary IPYTHONDIR, so every kernel runs it before the first cell. A stored
output that changes under so small a change depends on rounding, as it would on another CPU
(other BLAS kernels, other SIMD loops, another thread count). Nudged, in the given direction:

- every positive MNIST pixel that ``load_mnist`` returns (float32 steps; zeros stay zero);
- every initial weight of every ``Linear`` layer;
- the data of every ``LeastSquares`` regression problem (its X and y, before w* is solved);
- the per-example slopes of every ``DoubleWell``;
- the parameters a and b of every ``Rosenbrock`` valley (GD at an unstable step there is the
  course's chaotic run: a one-ulp change of the valley moves it as a change of its start would).

Without HELPERS_NUDGE this file does nothing.
"""

import os

_direction = os.environ.get("HELPERS_NUDGE", "")
if _direction in ("up", "down"):
    import functools

    import numpy as np

    import helpers.kit.data
    import helpers.layers
    import helpers.objectives

    _toward = np.inf if _direction == "up" else -np.inf

    def _nudged(a):
        a = np.array(a, copy=True)
        return np.nextafter(a, np.asarray(_toward, dtype=a.dtype)) if a.dtype.kind == "f" else a

    def _nudge_pixels(load_mnist):
        @functools.wraps(load_mnist)
        def load(*args, **kwargs):
            data = load_mnist(*args, **kwargs)
            for name in ("X_train", "X_test"):
                X = getattr(data, name)
                toward = np.float32(np.inf) if _direction == "up" else np.float32(0)
                setattr(data, name, np.where(X > 0, np.nextafter(X, toward), X))
            return data
        return load

    helpers.kit.data.load_mnist = _nudge_pixels(helpers.kit.data.load_mnist)

    _linear_init = helpers.layers.Linear.__init__

    def _init(self, *args, **kwargs):
        _linear_init(self, *args, **kwargs)
        self.params["W"][...] = _nudged(self.params["W"])

    helpers.layers.Linear.__init__ = _init

    _least_squares_init = helpers.objectives.LeastSquares.__init__

    def _least_squares(self, X, y):
        _least_squares_init(self, _nudged(np.asarray(X, dtype=float)),
                            _nudged(np.asarray(y, dtype=float)))

    helpers.objectives.LeastSquares.__init__ = _least_squares

    _double_well_init = helpers.objectives.DoubleWell.__init__

    def _double_well(self, *args, **kwargs):
        _double_well_init(self, *args, **kwargs)
        self.c = _nudged(self.c)

    helpers.objectives.DoubleWell.__init__ = _double_well

    _rosenbrock_init = helpers.objectives.Rosenbrock.__init__

    def _rosenbrock(self, *args, **kwargs):
        _rosenbrock_init(self, *args, **kwargs)
        self.a, self.b = float(_nudged(self.a)), float(_nudged(self.b))
        self.x_min = np.array([self.a, self.a**2])

    helpers.objectives.Rosenbrock.__init__ = _rosenbrock
