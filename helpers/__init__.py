"""helpers: the numpy code behind the notebooks on how neural networks learn.

One module, one job (see the README's "Where things live"):

objectives  f(x) and its gradient: x², the quadratic bowl, Rosenbrock, a double well, least squares
gd          the gradient-descent runner: trajectory + verdict (converged, oscillating, diverged)
layers      Linear, ReLU, Sigmoid, Tanh, Sequential: forward caches, backward returns dX
losses      mean squared error, softmax cross-entropy
optim       SGD (momentum, Nesterov, weight decay), RMSProp, Adam: as in torch.optim
schedules   learning-rate schedules: step, exponential, cosine, linear warm-up
gradcheck   gradients by central differences, to check backprop
batches     shuffled mini-batches: every example once per epoch
train       the training loop: history, progress bar, callbacks, clean stop on divergence
data        MNIST: checksummed mirrors, a cache, an offline sample
experiment  one MNIST training run from its settings, with a verdict in words (05, 06)
plots       the figures several notebooks share, and the colour-blind-safe palette
widgets     sliders and the Panel that runs a panel's compute, make_figure and draw
blit        fast frames: a still background once, then only the artists that move
lab         each notebook's measurements: pure numpy, no plotting, no widgets
figures     each notebook's figures: plot_*(..., ax=None)
panels      each notebook's slider panel, thin: compute, make_figure, draw, make_panel
exercises   self-checking exercises
theory      predictions: SGD as diffusion (Gibbs, Kramers), momentum's convergence rate
predict     predict, then run: a question answered before a measurement is shown
validate    argument checks with clear messages
"""

__version__ = "0.1.0"
