# Known mistake: exp(x) instead of exp(-x) mirrors the curve.
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(x))
