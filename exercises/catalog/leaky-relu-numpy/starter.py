import numpy as np


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Return x where x > 0 and alpha * x elsewhere, as a new array."""
    raise NotImplementedError("write Leaky ReLU")
