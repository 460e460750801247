"""The figures of the notebooks, one module per notebook: ``plot_*(…, ax=None)`` returns the axes.

Each function draws what a ``helpers.lab`` measurement returned; the figures two notebooks share
are in ``helpers.plots``.
"""
