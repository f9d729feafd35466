# Known mistake: a NumPy round trip gives right values but cuts the autograd graph.
import numpy as np
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    values = x.detach().numpy()
    return torch.from_numpy(1 / (1 + np.exp(-values)))
