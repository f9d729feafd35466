def step(x):
    # Known mistake: fires at x = 0 too.
    return (x >= 0).astype(x.dtype)
