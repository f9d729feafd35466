# Known mistake: a float64 mask promotes a float32 input to float64.
import torch
from torch import nn


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (x > 0).double()
