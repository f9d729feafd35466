import torch
from torch import nn


class ReLU(nn.Module):
    """max(0, x) elementwise, without torch's built-in ReLUs."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Multiplying by the mask keeps the dtype and gives gradient 0 at x == 0, as
        # torch.relu does.
        return x * (x > 0).to(x.dtype)
