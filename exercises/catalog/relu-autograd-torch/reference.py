import torch


class ReLUFunction(torch.autograd.Function):
    """ReLU with a hand-written backward pass."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        # Strictly greater: the derivative at 0 is taken as 0, as torch.relu does.
        return grad_output * (x > 0).to(grad_output.dtype)
