import numpy as np


def sigmoid(x):
    # Known mistake: computes in place, so the caller's array is destroyed.
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x
