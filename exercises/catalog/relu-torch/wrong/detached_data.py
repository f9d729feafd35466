# Known mistake: clamping .data gives the right values and no gradient.
import torch
from torch import nn


class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.data.clamp(min=0)
