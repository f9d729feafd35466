# Known mistake: computes in place and so changes the caller's array.
import numpy as np


def gelu(x):
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    x *= 0.5 * (1.0 + np.tanh(inner))
    return x
