import numpy as np


def sigmoid_chain_grad(x, depth):
    # Known mistake: uses the upper bound 0.25 ** depth as if it were the value.
    return np.full_like(x, 0.25**depth)
