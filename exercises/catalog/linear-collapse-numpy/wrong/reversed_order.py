def collapse(weights, biases):
    # Known mistake: multiplies in the column-vector order (W_L ... W_1).
    W, b = weights[0], biases[0]
    for W_i, b_i in zip(weights[1:], biases[1:]):
        W = W_i @ W
        b = b @ W_i + b_i
    return W, b
