# 0.5 (1 + tanh z) equals sigmoid(2 z): the same function, written with exp.
import numpy as np


def gelu(x):
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    z = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x * x * x)
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-2.0 * z))
