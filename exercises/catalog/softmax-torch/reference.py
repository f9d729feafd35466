import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Return exp(x) / exp(x).sum(dim) along dim, same shape and dtype as x.

    Subtracting the maximum along dim keeps every exponent <= 0, so exp never
    overflows; the result is unchanged because the factor cancels.
    """
    shifted = x - x.amax(dim=dim, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=dim, keepdim=True)
