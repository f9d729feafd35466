# Known mistake: calling the built-in the exercise forbids.
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x)
