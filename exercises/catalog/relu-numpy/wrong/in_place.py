def relu(x):
    # Known mistake: right values, but the caller's array is overwritten.
    x[x < 0] = 0
    return x
