import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Return exp(x) / sum(exp(x)) along axis, stable for large logits."""
    x = np.asarray(x)
    # Subtracting the maximum along the axis leaves softmax unchanged and makes the
    # largest exponent exp(0) = 1, so nothing overflows.
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
