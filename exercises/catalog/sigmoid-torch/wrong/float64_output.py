# Known mistake: computing in float64 and returning it for a float32 input.
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    x64 = x.to(torch.float64)
    return 1 / (1 + torch.exp(-x64))
