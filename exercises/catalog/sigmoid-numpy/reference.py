import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + exp(-x)) element-wise, stable for any magnitude."""
    x = np.asarray(x)
    # exp(-|x|) is at most 1, so nothing overflows; the two branches are the same
    # function written for each sign.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
