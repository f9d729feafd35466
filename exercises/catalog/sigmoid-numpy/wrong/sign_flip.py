import numpy as np


def sigmoid(x):
    # Known mistake: the sign of the exponent is flipped (this is sigmoid(-x)).
    return 1 / (1 + np.exp(x))
