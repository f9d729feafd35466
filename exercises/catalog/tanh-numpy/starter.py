import numpy as np


def tanh(x: np.ndarray) -> np.ndarray:
    """Return tanh(x) element-wise without np.tanh, stable for large |x|."""
    raise NotImplementedError("write tanh from exponentials")
