import numpy as np


def tanh(x):
    # Known mistake: exp(1000) overflows to inf, and inf / inf is NaN.
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
