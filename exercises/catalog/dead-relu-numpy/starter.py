import numpy as np


def dead_units(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the units of relu(X @ W + b) that are 0 for every row."""
    raise NotImplementedError("find the dead units")
