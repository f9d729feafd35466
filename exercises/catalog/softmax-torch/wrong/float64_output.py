# Known mistake: computing in float64 and returning it for a float32 input.
import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    x64 = x.double()
    exps = torch.exp(x64 - x64.amax(dim=dim, keepdim=True))
    return exps / exps.sum(dim=dim, keepdim=True)
