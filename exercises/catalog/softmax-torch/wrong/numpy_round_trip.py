# Known mistake: a NumPy round trip gives right values but cuts the autograd graph.
import numpy as np
import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    values = x.detach().numpy()
    exps = np.exp(values - values.max(axis=dim, keepdims=True))
    return torch.from_numpy(exps / exps.sum(axis=dim, keepdims=True))
