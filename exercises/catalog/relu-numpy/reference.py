import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """Return max(0, x) element-wise as a new array of x's dtype."""
    return np.maximum(x, 0).astype(np.asarray(x).dtype, copy=False)
