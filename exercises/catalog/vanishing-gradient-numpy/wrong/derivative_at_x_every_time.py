import numpy as np


def sigmoid_chain_grad(x, depth):
    # Known mistake: evaluates every factor at x instead of at the value entering the level.
    s = 1 / (1 + np.exp(-x))
    return (s * (1 - s)) ** depth
