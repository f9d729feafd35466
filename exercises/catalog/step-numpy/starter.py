import numpy as np


def step(x: np.ndarray) -> np.ndarray:
    """Return 1 where x > 0 and 0 elsewhere, with the shape of x."""
    raise NotImplementedError("write the step function")
