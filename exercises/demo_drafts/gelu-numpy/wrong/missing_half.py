# Known mistake: forgets the factor 0.5, so every output is doubled.
import numpy as np


def gelu(x):
    x = np.asarray(x)
    return x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
