"""The measurements of the notebooks, one module per notebook: pure numpy, no plotting, no widgets.

Each function runs an experiment and returns its numbers (arrays, dicts, small records), so a
notebook can print them, a test can check them and ``helpers.figures`` can draw them:

- ``gd_1d``:         01, the regimes of GD on a·x² and the steps they need
- ``gd_2d``:         02, curvature, the largest stable step, κ, Rosenbrock, the cost of a gradient
- ``sgd``:           03, mini-batch gradients, their variance, SGD runs, epochs, the noise ball
- ``backprop_cost``: 04, what a gradient costs: path sums, backprop, finite differences
- ``mnist``:         05, sampling, batch-size sweeps, confusion matrices, mistakes
- ``optimizers``:    06, momentum, Nesterov, RMSProp, Adam and schedules on valleys and MNIST
- ``escape``:        07, many SGD runs on a double well: who escapes, and why
"""
