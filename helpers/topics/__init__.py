"""One module per notebook, named by topic: what the notebook measures, draws and puts on a
slider, in that order (01 gd_1d, 02 valleys, 03 sgd, 04 epochs, 05 backprop, 06 mnist,
07 optimizers, 08 tuning; deep dives D1 saddles, D2 momentum, D3 diffusion, D4 deep,
D5 steering). A topic may use another topic's public functions, never its private names."""
