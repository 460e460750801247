"""The interactive panels of the notebooks, one module per notebook, each a thin layer.

Every module follows the panel contract of ``helpers.widgets.Panel``: ``compute(**slider_values)``
(pure: the numbers and a message), ``make_figure()`` (what never changes), ``draw(artists,
state)`` (only what moves), and ``make_panel()`` that wires them to sliders. The measurements
they show are in ``helpers.lab``, the notebooks' other figures in ``helpers.figures``.

- ``gd_1d``:      01, GD on f(x) = a·x²: learning rate, start point, steps
- ``gd_2d``:      02, the quadratic bowl and Rosenbrock: condition number, learning rate
- ``sgd``:        03, full-batch vs mini-batch on linear regression: batch size, learning rate
- ``mnist``:      05, the MNIST experiment panel: learning rate, batch size, epochs, hidden units
- ``optimizers``: 06, GD, momentum, Nesterov, RMSProp and Adam on the same valleys
- ``escape``:     07, SGD noise and the double well: batch size, learning rate
"""
