import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Return exp(x) / sum(exp(x)) along axis, stable for large logits."""
    raise NotImplementedError("write softmax")
