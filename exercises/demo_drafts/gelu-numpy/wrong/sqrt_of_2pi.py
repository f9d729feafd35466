# Known mistake: sqrt(2 pi) instead of sqrt(2 / pi) inside tanh.
import numpy as np


def gelu(x):
    x = np.asarray(x)
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 * np.pi) * (x + 0.044715 * x**3)))
