import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    """Return max(0, x) element-wise as a new array; x must stay unchanged."""
    raise NotImplementedError("write ReLU")
