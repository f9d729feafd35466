import numpy as np


def dead_units(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Return a boolean mask of the units of relu(X @ W + b) that are 0 for every row."""
    # relu(z) == 0 exactly when z <= 0, so compare the pre-activations directly.
    return np.all(X @ W + b <= 0, axis=0)
