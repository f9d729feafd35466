def sigmoid_grad(x):
    # Known mistake: s * (1 - s) applied to x instead of to sigmoid(x).
    return x * (1 - x)
