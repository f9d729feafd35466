import torch
from torch import nn


class ReLU(nn.Module):
    """max(0, x) elementwise, without torch's built-in ReLUs."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("write your forward pass here")
