def step(x):
    # Known mistake: returns the comparison itself, an array of booleans.
    return x > 0
