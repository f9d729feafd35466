import numpy as np


def relu_grad(x: np.ndarray) -> np.ndarray:
    """Return 1 where x > 0 and 0 elsewhere (PyTorch's choice at 0), in x's dtype."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)
