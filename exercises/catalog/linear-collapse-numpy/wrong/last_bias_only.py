def collapse(weights, biases):
    # Known mistake: keeps only the last layer's bias.
    W = weights[0]
    for W_i in weights[1:]:
        W = W @ W_i
    return W, biases[-1]
