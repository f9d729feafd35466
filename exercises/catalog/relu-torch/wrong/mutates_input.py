# Known mistake: zeroing the negatives in place changes the caller's tensor.
import torch
from torch import nn


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            x[x < 0] = 0
        return x
