import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + exp(-x)) element-wise, without overflowing for large |x|."""
    raise NotImplementedError("write the sigmoid")
