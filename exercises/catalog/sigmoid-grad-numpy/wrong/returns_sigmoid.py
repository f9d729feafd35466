import numpy as np


def sigmoid_grad(x):
    # Known mistake: returns the sigmoid itself, not its derivative.
    return 1 / (1 + np.exp(-x))
