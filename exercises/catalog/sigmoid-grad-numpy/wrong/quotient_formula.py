import numpy as np


def sigmoid_grad(x):
    # Known mistake: exp(-x) / (1 + exp(-x))**2 is right on paper, but at x = -1000 it
    # is inf / inf = NaN.
    e = np.exp(-x)
    return e / (1 + e) ** 2
