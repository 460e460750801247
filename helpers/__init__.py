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
plots       the shared figures and the colour-blind-safe palette
widgets     sliders and the Panel that ties them to a pure function
panels      the interactive panels of the notebooks, one module per notebook
exercises   self-checking exercises
theory      predictions: SGD as diffusion (Gibbs, Kramers), momentum's convergence rate
predict     predict, then run: a question answered before a measurement is shown
validate    argument checks with clear messages
"""

__version__ = "0.1.0"
