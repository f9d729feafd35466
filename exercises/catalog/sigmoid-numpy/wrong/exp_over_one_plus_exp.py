import numpy as np


def sigmoid(x):
    # Known mistake: right formula, but exp(1000) = inf and inf / inf = NaN.
    e = np.exp(x)
    return e / (1 + e)
