import numpy as np


def collapse(weights: list[np.ndarray], biases: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return (W, b) with x @ W + b equal to the stack of layers x @ W_i + b_i."""
    W = np.asarray(weights[0])
    b = np.asarray(biases[0])
    for W_i, b_i in zip(weights[1:], biases[1:]):
        # (x @ W + b) @ W_i + b_i = x @ (W @ W_i) + (b @ W_i + b_i)
        W = W @ W_i
        b = b @ W_i + b_i
    return W, b
