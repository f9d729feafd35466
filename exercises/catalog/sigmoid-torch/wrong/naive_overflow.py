# Known mistake: the textbook formula; values are fine but the gradient is NaN at
# x = -1000 because exp(1000) overflows to inf and inf * 0 appears in backward.
import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-x))
