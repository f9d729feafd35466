import numpy as np


def sigmoid_chain_grad(x, depth):
    # Known mistake: one level too few.
    h = x
    grad = np.ones_like(x)
    for _ in range(depth - 1):
        s = 1 / (1 + np.exp(-h))
        grad = grad * s * (1 - s)
        h = s
    return grad
