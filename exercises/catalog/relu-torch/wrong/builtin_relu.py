# Known mistake: calling the built-in the exercise forbids.
import torch
import torch.nn.functional as F
from torch import nn


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)
