# Known mistake: calling the built-in the exercise forbids.
import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return torch.softmax(x, dim=dim)
