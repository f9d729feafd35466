# Known mistake: working on .data gives right values but no gradient.
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-x.data))
