# Known mistake: multiplying by a 0/1 mask is right for finite x, but -inf * 0 is NaN.
import torch
from torch import nn


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (x > 0)
