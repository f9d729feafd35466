# Known mistake: a NumPy round trip gives right values but cuts the autograd graph.
import numpy as np
import torch
from torch import nn


class LeakyReLU(nn.Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = x.detach().numpy()
        return torch.from_numpy(np.where(values > 0, values, values * self.negative_slope))
