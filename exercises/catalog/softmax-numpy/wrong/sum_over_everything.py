import numpy as np


def softmax(x, axis=-1):
    # Known mistake: divides by the sum of the whole batch, so rows do not sum to 1.
    e = np.exp(x - np.max(x))
    return e / np.sum(e)
