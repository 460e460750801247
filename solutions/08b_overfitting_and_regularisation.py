"""Solutions to the exercises of notebook 08b (overfitting and regularisation)."""


def dropout_forward_backward(X, dY, keep, p):
    """Inverted dropout with keep-mask ``keep`` (True: kept) and drop probability p: (Y, dX)."""
    scale = keep / (1 - p)  # kept entries scaled by 1/(1 - p), so E[Y] = X
    return X * scale, dY * scale  # dY/dX is the same constant, entry by entry


def early_stopping_epochs(val_loss, patience):
    """(stop_epoch, best_epoch), both counted from 1, for early stopping on ``val_loss``.

    val_loss: the validation loss after each epoch, shape (num_epochs,). Training stops after
    the first epoch that comes ``patience`` epochs after the best one so far (only a strictly
    lower loss is better); without such an epoch it runs to the end.
    """
    best_epoch = 1
    for epoch in range(1, len(val_loss) + 1):
        if val_loss[epoch - 1] < val_loss[best_epoch - 1]:
            best_epoch = epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_loss), best_epoch
