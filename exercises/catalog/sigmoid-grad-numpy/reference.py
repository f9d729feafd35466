import numpy as np


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Return sigmoid(x) * (1 - sigmoid(x)) element-wise, stable for any magnitude."""
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return s * (1 - s)
