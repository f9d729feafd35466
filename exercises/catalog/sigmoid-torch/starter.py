import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Return 1 / (1 + exp(-x)) elementwise, same shape and dtype as x."""
    raise NotImplementedError("write your sigmoid here")
