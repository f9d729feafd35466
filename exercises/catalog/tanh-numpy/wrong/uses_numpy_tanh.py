import numpy as np


def tanh(x):
    # Forbidden for this exercise.
    return np.tanh(x)
