import numpy as np


def gelu(x: np.ndarray) -> np.ndarray:
    """Return the tanh approximation of GELU of x, element-wise, as a new array."""
    raise NotImplementedError("write gelu")
