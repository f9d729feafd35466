import numpy as np


def relu_grad(x):
    # Known mistake: returns ReLU itself instead of its slope.
    return np.maximum(x, 0)
