# Known mistake: the cheaper sigmoid approximation x * sigmoid(1.702 x), not the tanh one.
import numpy as np


def gelu(x):
    x = np.asarray(x)
    return x / (1.0 + np.exp(-1.702 * x))
