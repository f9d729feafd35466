import numpy as np


def softmax(x, axis=-1):
    # Known mistake: always normalises along the last axis.
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
