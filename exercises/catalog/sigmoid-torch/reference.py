import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Return 1 / (1 + exp(-x)) elementwise, same shape and dtype as x.

    exp is only ever taken of a non-positive number, so neither the value nor the
    gradient overflows at |x| = 1000.
    """
    magnitude = torch.where(x >= 0, x, -x)
    z = torch.exp(-magnitude)
    return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))
