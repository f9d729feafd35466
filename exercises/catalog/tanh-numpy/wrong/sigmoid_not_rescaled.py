import numpy as np


def tanh(x):
    # Known mistake: sigmoid(2x) without the 2 * ... - 1 rescaling to (-1, 1).
    z = np.exp(-np.abs(2 * x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
