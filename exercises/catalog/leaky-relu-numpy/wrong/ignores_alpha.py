import numpy as np


def leaky_relu(x, alpha=0.01):
    # Known mistake: the slope is hard-coded, so an explicit alpha is ignored.
    return np.where(x > 0, x, 0.01 * x)
