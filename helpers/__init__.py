"""helpers: the numpy code behind the notebooks on how neural networks learn.

Read (the code the course teaches, an afternoon in all):

objectives  f(x) with its gradient beside it: (a/2)x², bowls, Rosenbrock, saddles, a double well,
            least squares
gd          the gradient-descent runner: the trajectory and a verdict; the one blow-up rule
layers      Linear, ReLU, Sigmoid, Tanh, Dropout, Sequential, mlp: forward caches, backward
            returns dX; one table of activations with their derivatives
losses      mean squared error, softmax cross-entropy
optim       SGD (momentum, Nesterov, weight decay), RMSProp, Adam, AdamW: as torch.optim
schedules   step and cosine learning-rate schedules
batches     the one mini-batch sampler
train       the training loop and evaluation
gradcheck   gradients by central differences, to check backprop
topics/     one module per notebook: what it measures, draws and puts on a slider, in that order

Skip (machinery): kit/ (widgets, blitting, plots, predictions, MNIST download, the steering
trainer, the drawing pad) and exercises/ (the self-checking exercises; reading them spoils them).
"""

__version__ = "0.2.0"
